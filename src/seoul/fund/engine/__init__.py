"""The fund's computation, plain typed Python (no Django): the fund's rules as data
(:mod:`.rules`, ``reference/fund.json``), business registration numbers (:mod:`.brn`), the
committee's scores and quorum (:mod:`.committee`), the terms a decision may give
(:mod:`.terms`) and the fund's figures — committed, invested, remaining, TVPI and IRR
(:mod:`.figures`)."""
