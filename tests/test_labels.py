"""Select-box labels (ui/labels.py): short enough for their box, distinct, cut between words."""

from hypothesis import given
from hypothesis import strategies as st

from lrlab.present.presets import PRESETS
from ui.labels import SIDEBAR_CHARS, fit


def test_every_preset_reads_distinct_in_its_box_and_is_cut_between_words():
    shown = [fit(name) for name in PRESETS]
    assert len(set(shown)) == len(shown), shown  # two timm presets once read alike
    for name, label in zip(PRESETS, shown, strict=True):
        assert len(label) <= SIDEBAR_CHARS
        words = label.removesuffix("…").split()
        assert words == name.split()[: len(words)], (name, label)  # whole words only
    assert fit("timm ImageNet cosine (timm:CosineLRScheduler)") == "timm ImageNet cosine"
    assert fit("Digits starter (one-cycle, SGD)") == "Digits starter"
    assert fit("custom (edited from Cosine with linear warmup)") == "custom (edited from…"


@given(st.text(st.sampled_from("ab (),:·"), max_size=80), st.integers(8, 40))
def test_a_label_fits_and_keeps_the_start_of_the_text(text, chars):
    label = fit(text, chars)
    assert len(label) <= chars
    if len(text) <= chars:
        assert label == text
    else:
        assert text.startswith(label.removesuffix("…"))
