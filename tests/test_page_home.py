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
