"""A Markdown reference of every scheduler and optimizer, generated from the catalog."""

from __future__ import annotations

from lrlab.catalog import OMITTED_OPTIMIZERS, OPTIMIZERS, SCHEDULERS, Param
from lrlab.catalog.transformers import OMITTED_TRANSFORMERS


def _default(p: Param) -> str:
    if p.required:
        return "required"
    return f"`{p.default!r}`"


def _table(params: tuple[Param, ...]) -> list[str]:
    rows = ["| parameter | default | bounds | what |", "|---|---|---|---|"]
    rows += [
        f"| `{p.name}` | {_default(p)} | {p.bounds_text() or '-'} | {p.help} |" for p in params
    ]
    return rows


def catalog_markdown() -> str:
    out = [
        "# lrlab reference",
        "",
        "Generated from `lrlab/catalog` (`python -m lrlab docs`): the same entries drive "
        "the widgets, the validation and the generated code.",
        "",
        "## Schedulers",
        "",
    ]
    for spec in SCHEDULERS.values():
        out += [
            f"### {spec.name}",
            "",
            spec.explain,
            "",
            f"$$ {spec.formula} $$",
            "",
            f"Usually stepped per **{spec.step_per}**. [{spec.library} docs]({spec.docs_url})",
            "",
            *_table(spec.params),
            "",
        ]
    out += ["## Optimizers", ""]
    for opt in OPTIMIZERS.values():
        out += [f"### {opt.name}", "", opt.explain, "", *_table(opt.params), ""]
    out += [
        "## Left out",
        "",
        *[f"- **{name}**: {why}" for name, why in OMITTED_OPTIMIZERS.items()],
        *[f"- **transformers:{name}**: {why}" for name, why in OMITTED_TRANSFORMERS.items()],
        "",
    ]
    return "\n".join(out)
