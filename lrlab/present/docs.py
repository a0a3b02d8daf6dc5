"""A Markdown reference of every scheduler and optimizer, generated from the catalog."""

from __future__ import annotations

from lrlab.catalog import OMITTED_OPTIMIZERS, OPTIMIZERS, SCHEDULERS, Param
from lrlab.catalog.transformers import OMITTED_TRANSFORMERS
from lrlab.core.config import MAX_STEPS


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


TOP_LEVEL = [
    "## Config keys",
    "",
    "| key | what |",
    "|---|---|",
    '| `optimizer` | `{"name": ..., **torch keyword arguments}` (required). |',
    "| `param_groups` | Optimizer keyword overrides, one object per group (default: one). |",
    '| `scheduler` | `{"name": ..., **keyword arguments}`, composites nesting theirs (required). |',
    "| `steps` | Rows to simulate, >= 1 (required; the pages derive it from `view`). |",
    "| `start_step` | The first row's step, default 0: the schedule from step k of a run, as "
    "after loading a checkpoint saved there. The scheduler is stepped k times first (the "
    "plateau metric series too), so the rows equal rows k on of a run from 0; "
    f"`start_step` + `steps` <= {MAX_STEPS:,}. Not for transformers/timm plateau schedules, "
    "Compare or training. |",
    "| `view` | How the pages show it: `epochs`, `steps_per_epoch`, `step_per`, `x_axis`, "
    "`log_y`. |",
    "| `name`, `train` | A label; the Train page's settings (`python -m lrlab train`). |",
    "",
]


def catalog_markdown() -> str:
    out = [
        "# lrlab reference",
        "",
        "Generated from `lrlab/catalog` (`python -m lrlab docs`): the same entries drive "
        "the widgets, the validation and the generated code.",
        "",
        *TOP_LEVEL,
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
        update = [f"$$ {opt.formula} $$", ""] if opt.formula else []
        out += [f"### {opt.name}", "", opt.explain, "", *update, *_table(opt.params), ""]
    out += [
        "## Left out",
        "",
        *[f"- **{name}**: {why}" for name, why in OMITTED_OPTIMIZERS.items()],
        *[f"- **transformers:{name}**: {why}" for name, why in OMITTED_TRANSFORMERS.items()],
        "",
    ]
    return "\n".join(out)
