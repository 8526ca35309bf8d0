"""The business service's computation, plain typed Python (no Django): a business's stage in its
life cycle (:mod:`.stages`), the programme catalogue with its eligibility rules as data
(:mod:`.catalogue`, :mod:`.eligibility`), selection scoring by published criteria
(:mod:`.scoring`) and the outcome measures the city evaluates programmes by (:mod:`.outcomes`).
Every engine takes a :class:`.facts.Facts` (what the business profile knows) and a day."""
