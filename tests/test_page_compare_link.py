"""Every Compare setting travels through its share link: what a second user opens is what the
first one set, widget by widget."""

from apptest_helpers import no_exception, page

from lrlab.io.share import decode

KINDS = ("number_input", "selectbox", "radio", "toggle", "text_input", "checkbox", "slider")
# A value other than the page's default for every page-wide setting and a few per schedule.
EDITS = [
    ("number_input", "cmp.view.epochs", 40),
    ("number_input", "cmp.view.steps_per_epoch", 7),
    ("radio", "cmp.view.x_axis", "iteration"),
    ("toggle", "cmp.view.log_y", True),
    ("radio", "cmp.normalize", "peak"),
    ("toggle", "cmp.momentum", True),  # before grid: the grid layout disables it
    ("radio", "cmp.layout", "grid"),
    ("text_input", "cmp0.name", "mine"),
    ("selectbox", "cmp1.color", "vermillion"),
    ("number_input", "cmp0.opt.SGD.lr", 0.3),
]


def settings(at):
    """Every keyed input of the Compare page (page-wide and per schedule) and its value."""
    return {
        w.key: w.value
        for kind in KINDS
        for w in at.get(kind)
        if w.key and w.key.startswith("cmp") and w.key != "cmp.source"  # "add from": no state
    }


def test_every_compare_setting_round_trips_through_its_link():
    at = page("pages/compare.py")
    no_exception(at)
    defaults = settings(at)
    for kind, key, value in EDITS:
        assert defaults[key] != value, key  # each edit changes something
        widget = getattr(at, kind)(key=key)
        (widget.input(value) if kind == "text_input" else widget.set_value(value)).run()
        no_exception(at)
    mine = settings(at)
    assert {key: mine[key] for _, key, _ in EDITS} == {key: v for _, key, v in EDITS}
    link = at.query_params["s"]
    other = page("pages/compare.py", s=link)  # a new session: another user opening the link
    no_exception(other)
    assert not other.error
    assert settings(other) == mine
    assert decode(other.query_params["s"]) == decode(link)  # and it shares the same again


def test_a_link_with_a_bad_reference_is_refused_whole_with_a_message():
    from lrlab.io.share import encode
    from lrlab.present.presets import preset

    at = page("pages/compare.py")
    before = settings(at)
    items = [{"name": n, "config": preset(n)} for n in ("One-cycle (fastai)", "Exponential decay")]
    for ref, shown in ((2, "2"), (-1, "-1"), (True, "True")):
        other = page("pages/compare.py", s=encode({"items": items, "reference": ref}))
        no_exception(other)
        (error,) = [e.value for e in other.error]
        assert error.startswith("This shared link could not be opened: reference")
        assert "from 0 to 1" in error, (shown, error)
        assert settings(other) == before  # the page keeps its own schedules
    good = page("pages/compare.py", s=encode({"items": items, "reference": 1}))
    no_exception(good)
    assert not good.error
    assert good.selectbox(key="cmp.reference").value == "#2 Exponential decay"
