r"""Each optimizer's update, as torch computes one step (LaTeX, shown with ``st.latex``).

Notation: :math:`g_t` the gradient at :math:`\theta_{t-1}`, :math:`\eta_t` the lr in effect
for step t (what the schedule sets), :math:`\lambda` weight_decay, t counts from 1, state
starts at 0 unless said. For SGD, Adagrad, RMSprop, Adam and AdamW these lines are, one by one,
the hand-written updates that tests/test_path_formulas.py checks against torch.

Where seed 004 (a 2019 article) writes them otherwise, torch's form is the one here: SGD
multiplies the whole velocity by the lr (the seed's own note); Adagrad and RMSprop add
:math:`\epsilon` outside the square root; Adam divides by :math:`\sqrt{\hat v_t} + \epsilon`.
"""

from __future__ import annotations

_WD = r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \\ "
_ADAM_MOMENTS = (
    r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\ "
    r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\ "
)
_ADAM_STEP = (
    r"\hat v_t &= \max(\hat v_{t-1}, v_t) \text{ with amsgrad, else } v_t \\ "
    r"\theta_t &= \theta_{t-1} - \frac{\eta_t}{1-\beta_1^t}\,"
    r"\frac{m_t}{\sqrt{\hat v_t}\,/\sqrt{1-\beta_2^t} + \epsilon}"
)


def _aligned(body: str) -> str:
    return r"\begin{aligned} " + body + r" \end{aligned}"


FORMULAS: dict[str, str] = {
    "SGD": _aligned(
        _WD
        + r"b_t &= \mu\, b_{t-1} + (1-\tau)\, g_t \quad (b_1 = g_t;\ \text{only if } \mu > 0) \\ "
        r"d_t &= g_t + \mu\, b_t \text{ (Nesterov), else } b_t "
        r"\text{ (} g_t \text{ if } \mu = 0) \\ "
        r"\theta_t &= \theta_{t-1} - \eta_t\, d_t"
    ),
    "Adam": _aligned(
        r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \text{, or with decoupled weight decay } "
        r"\theta_{t-1} \leftarrow (1-\eta_t\lambda)\,\theta_{t-1} \\ " + _ADAM_MOMENTS + _ADAM_STEP
    ),
    "AdamW": _aligned(
        r"\theta_{t-1} &\leftarrow (1-\eta_t\lambda)\,\theta_{t-1} \\ " + _ADAM_MOMENTS + _ADAM_STEP
    ),
    "Adamax": _aligned(
        _WD + r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\ "
        r"u_t &= \max(\beta_2 u_{t-1},\ |g_t| + \epsilon) \\ "
        r"\theta_t &= \theta_{t-1} - \frac{\eta_t}{1-\beta_1^t}\,\frac{m_t}{u_t}"
    ),
    "NAdam": _aligned(
        _WD + r"\mu_t &= \beta_1\left(1 - \tfrac12\, 0.96^{t\psi}\right) \quad "
        r"(\psi = \text{momentum\_decay}) \\ " + _ADAM_MOMENTS + r"\theta_t &= \theta_{t-1} - "
        r"\eta_t \frac{(1-\mu_t)\, g_t / (1-\prod_{i\le t}\mu_i) + \mu_{t+1}\, m_t / "
        r"(1-\prod_{i\le t+1}\mu_i)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}"
    ),
    "RAdam": _aligned(
        _WD + _ADAM_MOMENTS + r"\rho_\infty &= \tfrac{2}{1-\beta_2} - 1,\quad "
        r"\rho_t = \rho_\infty - \tfrac{2t\beta_2^t}{1-\beta_2^t} \\ "
        r"r_t &= \sqrt{\tfrac{(\rho_t-4)(\rho_t-2)\rho_\infty}"
        r"{(\rho_\infty-4)(\rho_\infty-2)\rho_t}} \\ "
        r"\theta_t &= \theta_{t-1} - \frac{\eta_t\, m_t}{1-\beta_1^t} \cdot "
        r"\begin{cases} r_t\, \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t} + \epsilon} & \rho_t > 5 \\ "
        r"1 & \text{else (plain momentum: the built-in warmup)} \end{cases}"
    ),
    "RMSprop": _aligned(
        _WD + r"v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2 \\ "
        r"\bar g_t &= \alpha\, \bar g_{t-1} + (1-\alpha)\, g_t,\quad "
        r"\tilde v_t = v_t - \bar g_t^2 \text{ (centered), else } \tilde v_t = v_t \\ "
        r"b_t &= \mu\, b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon},\quad "
        r"\theta_t = \theta_{t-1} - \eta_t\, b_t \text{ (if } \mu > 0) \\ "
        r"\theta_t &= \theta_{t-1} - \eta_t\, \frac{g_t}{\sqrt{\tilde v_t} + \epsilon} "
        r"\text{ (if } \mu = 0)"
    ),
    "Adagrad": _aligned(
        r"\tilde\eta_t &= \frac{\eta_t}{1 + (t-1)\,\delta} \quad (\delta = \text{lr\_decay}) \\ "
        + _WD
        + r"s_t &= s_{t-1} + g_t^2 \quad (s_0 = \text{initial\_accumulator\_value}) \\ "
        r"\theta_t &= \theta_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}"
    ),
    "Adadelta": _aligned(
        _WD + r"v_t &= \rho\, v_{t-1} + (1-\rho)\, g_t^2 \\ "
        r"\Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\ "
        r"u_t &= \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2 \\ "
        r"\theta_t &= \theta_{t-1} - \eta_t\, \Delta_t"
    ),
    "ASGD": _aligned(
        _WD + r"\theta_t &= (1 - \lambda_d\, \tilde\eta_t)\, \theta_{t-1} - \tilde\eta_t\, g_t "
        r"\quad (\lambda_d = \text{lambd}) \\ "
        r"\tilde\eta_{t+1} &= \frac{\eta_t}{(1 + \lambda_d\, \eta_t\, t)^{\alpha}},\quad "
        r"\tilde\eta_1 = \eta_1 \\ "
        r"\bar\theta_t &= \text{the average of } \theta \text{ from step } t_0 "
        r"\text{ (kept aside, not stepped)}"
    ),
    "Rprop": _aligned(
        r"s_t &= \begin{cases} \min(\eta_+ s_{t-1},\ s_{\max}) & g_t\, g_{t-1} > 0 \\ "
        r"\max(\eta_- s_{t-1},\ s_{\min}),\ g_t \leftarrow 0 & g_t\, g_{t-1} < 0 \\ "
        r"s_{t-1} & \text{else} \end{cases} \quad (s_0 = \eta_1) \\ "
        r"\theta_t &= \theta_{t-1} - s_t\, \operatorname{sign}(g_t) "
        r"\quad \text{(the lr is only the first step size)}"
    ),
    "Adafactor": _aligned(
        r"\rho_t &= \min(\eta_t,\ 1/\sqrt t),\quad "
        r"a_t = \max(\epsilon_2,\ \operatorname{RMS}(\theta_{t-1}))\, \rho_t \\ "
        r"\theta_{t-1} &\leftarrow (1-\eta_t\lambda)\,\theta_{t-1} \\ "
        r"v_t &= (1-t^{c})\, v_{t-1} + t^{c}\, g_t^2 \quad (c = \text{beta2\_decay}; "
        r"\text{matrices keep row and column means}) \\ "
        r"u_t &= g_t / \sqrt{v_t},\quad "
        r"\theta_t = \theta_{t-1} - \frac{a_t\, u_t}{\max(1,\ \operatorname{RMS}(u_t)/d)}"
    ),
    "Muon": _aligned(
        r"b_t &= \mu\, b_{t-1} + g_t \\ "
        r"d_t &= g_t + \mu\, b_t \text{ (Nesterov), else } b_t \\ "
        r"O_t &= \operatorname{NewtonSchulz}(d_t) \approx U V^\top "
        r"\text{ for } d_t = U \Sigma V^\top \\ "
        r"\theta_t &= (1-\eta_t\lambda)\,\theta_{t-1} - \eta_t\, s\, O_t "
        r"\quad (s \text{ from the matrix shape, adjust\_lr\_fn})"
    ),
}
