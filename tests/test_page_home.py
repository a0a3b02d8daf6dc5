"""Home offers every page the app registers, each with a first step."""

import re

from apptest_helpers import ROOT, no_exception, page

from lrlab.present.guide import GUIDE


def registered_pages() -> set[str]:
    source = (ROOT / "app.py").read_text()
    return set(re.findall(r"st\.Page\(\s*\"(pages/[a-z_]+\.py)\"", source)) - {"pages/home.py"}


def test_home_links_every_registered_page_with_a_first_step():
    pages = registered_pages()
    assert {"pages/explore.py", "pages/compare.py", "pages/train.py", "pages/runs.py"} <= pages
    assert {g.page for g in GUIDE} == pages
    at = page("app.py")
    no_exception(at)
    links = {link.proto.page: link.proto.label for link in at.get("page_link")}
    for guide in GUIDE:
        target = next(k for k in links if k.endswith(guide.page.split("/")[1].removesuffix(".py")))
        assert links[target] == f"Open {guide.title}"
    assert {s.value for s in at.subheader} >= {g.title for g in GUIDE}
    steps = [m.value for m in at.markdown if m.value.startswith("**First step:**")]
    assert sorted(steps) == sorted(f"**First step:** {g.first_step}." for g in GUIDE)


def test_a_bad_link_on_home_says_it_could_not_be_opened_and_changes_nothing_else():
    from lrlab.io.share import encode
    from lrlab.present.presets import preset

    plain = page("app.py")
    no_exception(plain)
    assert not plain.error and not plain.info
    for query, why in (
        ({"c": "abc"}, "link"),
        ({"s": "abc"}, "link"),
        ({"c": encode({"optimizer": {"name": "SGD", "lr": -1}})}, "optimizer.lr"),
    ):
        at = page("app.py", **query)
        no_exception(at)
        (error,) = [e.value for e in at.error]
        assert error.startswith("This shared link could not be opened: ") and why in error
        assert [s.value for s in at.subheader] == [s.value for s in plain.subheader]
        assert dict(at.query_params) == query  # the address is left as it was
    good = encode({**preset("Exponential decay"), "view": {"epochs": 10, "step_per": "epoch"}})
    at = page("app.py", c=good)
    no_exception(at)
    assert not at.error
    (info,) = [i.value for i in at.info]
    assert info == f"This link holds a schedule for Explore. [Open it](explore?c={good})"
