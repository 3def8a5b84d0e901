"""Month lengths (days) of the validation read-outs that are read "N months after" an event.

Three lengths are in use. Each was fixed with its targets' bands and read-outs before the model was run on them
(pre-registration), so each stays as registered: the difference between them (at most 0.04 d a month, 1 d over
two years) is far inside every band, but changing one would change a registered read-out.

* :data:`CALENDAR_MONTH_DAYS` = 365.25 / 12 = 30.4375 d (a Julian year over twelve): Y3 (allogeneic PBSC over
  marrow CD4, months 4 and 12), Y4 (B cells after alemtuzumab-like depletion), P5 (IgG half-life in months), P7, P8
  (months to recovery after lymphodepletion), P9, P10 (hepatitis B schedules: dose days rounded to 0.01 d), R7
  (MS graft CD4 at months 12 and 24), T4 (T-depleted marrow in a child), D3 (SCID infant CD3 at month 6).
* :data:`VACCINE_MONTH_DAYS` = 30.44 d (the same mean month, rounded to 0.01 d as the vaccine scenario files write
  their dose days): Y1, Y2 (hepatitis A doses and read-outs), L1 (JE booster), L3 (CD4 after dose-intense chemo),
  L5, L6, O1-O3 (HPV schedules), M2 (MS graft CD4 clonotype richness at months 1 and 12).
* :data:`POST_HSCT_VACCINE_MONTH_DAYS` = 30.4 d: I5 (vaccine 3 and 24 months after a graft), I6, I7 (three
  monthly PCV doses from month 3 or 9 after a graft; the sources give no visit window, targets.yaml I6).
"""

from __future__ import annotations

from hemasim.model.laws import DAYS_PER_YEAR

__all__ = ["CALENDAR_MONTH_DAYS", "POST_HSCT_VACCINE_MONTH_DAYS", "VACCINE_MONTH_DAYS"]

CALENDAR_MONTH_DAYS = DAYS_PER_YEAR / 12.0
VACCINE_MONTH_DAYS = 30.44
POST_HSCT_VACCINE_MONTH_DAYS = 30.4
