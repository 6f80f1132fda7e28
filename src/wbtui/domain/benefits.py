"""Weiterbildungsprämie and Weiterbildungsgeld (§ 87a SGB III): what a case's course data entitle to.

The one place of the rule (README "Voucher and course details"); the case view, the CLI and the
Übergabebogen show its result, the Agentur decides and pays. The law (§ 87a SGB III as in force since
1 July 2023, Abs. 3 added from 1 January 2025 by BGBl. 2023 I Nr. 412):

* Abs. 1: participants in a further training funded under § 81 SGB III that leads to a qualification in
  a recognised Ausbildungsberuf with a training period of at least two years fixed by federal or Land
  law receive a premium of 1,000 € after passing an interim exam (Zwischenprüfung, or the first part of a
  stretched final exam) (Nr. 1) and 1,500 € after passing the final exam (Abschlussprüfung) (Nr. 2).
* Abs. 2: unemployed participants in such a training additionally receive 150 € per month
  (Weiterbildungsgeld).
* Abs. 3: persons entitled to Bürgergeld (erwerbsfähige Leistungsberechtigte, SGB II) receive the
  Weiterbildungsgeld also while employed, for such a training funded under § 81 or § 82 SGB III.

Every case in wbtui is a Bürgergeld recipient's, so Abs. 2 or Abs. 3 applies whenever the course
qualifies; what decides is whether the course leads to such a qualification (``qualification_2y``),
that it is funded (the enrolment was approved: S8 or later) and, for the premiums, the exam results.
"""

from __future__ import annotations

from dataclasses import dataclass

INTERIM_PREMIUM_EUR = 1000  # § 87a Abs. 1 Nr. 1 SGB III
FINAL_PREMIUM_EUR = 1500  # § 87a Abs. 1 Nr. 2 SGB III
MONTHLY_ALLOWANCE_EUR = 150  # § 87a Abs. 2 (and Abs. 3) SGB III

# stages in which the training is funded (approved, running or over)
FUNDED_STAGES = frozenset({"enrolment_approved", "in_training", "dropped_out", "completed", "integrated",
                           "not_yet_integrated", "closed"})  # fmt: skip


@dataclass(frozen=True)
class Entitlements:
    """What § 87a SGB III gives for one case; ``basis`` names the paragraph for each line shown."""

    qualifies: bool  # the course leads to a recognised Ausbildungsberuf of at least two years
    funded: bool  # the enrolment is approved (a § 81 funded training)
    allowance_monthly: int  # Weiterbildungsgeld per month (0: none)
    interim_premium: int  # earned by a passed interim exam (0: not or not yet)
    final_premium: int  # earned by a passed final exam (0: not or not yet)

    @property
    def premiums_total(self) -> int:
        return self.interim_premium + self.final_premium


def entitlements(case: dict) -> Entitlements:
    """§ 87a SGB III applied to a case's fields (``qualification_2y``, ``stage``, ``interim_exam``,
    ``final_exam``); unknown course data entitle to nothing."""
    qualifies = case.get("qualification_2y") is True or case.get("qualification_2y") == 1
    stage = case.get("stage")
    # a closed case was funded only if a course was approved for it (it has a course start)
    funded = stage in FUNDED_STAGES and (stage != "closed" or case.get("course_start") is not None)
    ok = qualifies and funded
    return Entitlements(
        qualifies=qualifies,
        funded=funded,
        allowance_monthly=MONTHLY_ALLOWANCE_EUR if ok else 0,
        interim_premium=INTERIM_PREMIUM_EUR if ok and case.get("interim_exam") == "bestanden" else 0,
        final_premium=FINAL_PREMIUM_EUR if ok and case.get("final_exam") == "bestanden" else 0,
    )


def eligible_in_principle(case: dict) -> bool:
    """Before approval: the planned course would carry the Weiterbildungsgeld and the premiums."""
    return case.get("qualification_2y") is True or case.get("qualification_2y") == 1
