"""Deeply nested JSON (issue 13, item 7): every entry point answers with one line, never a
RecursionError or a traceback. The bound lives at the parsing edge, lrlab/io/jsontext.py."""

import pytest
from apptest_helpers import messages, no_exception, page
from cli_runner import lrlab

from lrlab import ConfigError
from lrlab.io.jsontext import MAX_DEPTH, loads
from lrlab.io.share import decode, encode
from lrlab.io.uploads import load_config, read_config_json

DEEP = "[" * 100_000 + "]" * 100_000
JUST_TOO_DEEP = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)  # parses, but deeper than the bound


def _link(text: str) -> str:
    import base64
    import zlib

    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")


@pytest.mark.parametrize("text", [DEEP, JUST_TOO_DEEP, '{"a": ' * 40 + "1" + "}" * 40])
def test_the_parser_bounds_nesting(text):
    with pytest.raises(ConfigError, match=f"more than {MAX_DEPTH} levels deep"):
        loads(text, "x", "the text")
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(ok, "x", "the text") is not None


def test_a_link_upload_and_file_say_so_in_one_line(tmp_path):
    for text in (DEEP, JUST_TOO_DEEP):
        with pytest.raises(ConfigError) as err:
            decode(_link(text))
        assert err.value.field == "link" and "levels deep" in str(err.value)
        with pytest.raises(ConfigError) as err:
            read_config_json(text.encode())
        assert err.value.field == "upload" and "levels deep" in str(err.value)
        path = tmp_path / "deep.json"
        path.write_text(text)
        with pytest.raises(ConfigError, match="levels deep"):
            load_config(str(path))
    assert decode(encode({"a": [1]})) == {"a": [1]}  # ordinary links still open


def test_huge_integers_are_bad_input_too():
    with pytest.raises(ConfigError, match="not valid JSON"):
        read_config_json(('{"steps": ' + "9" * 5000 + "}").encode())


@pytest.mark.parametrize("command", ["simulate", "code", "train"])
def test_the_cli_prints_one_line_and_exits_2(tmp_path, command):
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    out = lrlab(command, path, timeout=120)
    assert out.returncode == 2
    assert out.stderr == f"lrlab: {path} nests JSON more than {MAX_DEPTH} levels deep\n"
    assert out.stdout == ""


@pytest.mark.parametrize(("name", "param"), [("pages/explore.py", "c"), ("pages/compare.py", "s")])
def test_a_deep_link_opens_the_page_with_a_message(name, param):
    at = page(name, **{param: _link(DEEP)})
    no_exception(at)
    assert "levels deep" in messages(at)
    assert at.get("plotly_chart")  # the page shows its default schedule
