"""The city hospital network's computation, free of Django: daily capacity reports and their
checks (``report``), the network and travel model (``network``), patient placement on OR-Tools
(``placement``), the surge simulation (``simulate``) and the HL7 FHIR form of a report
(``fhir``)."""
