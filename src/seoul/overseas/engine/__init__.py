"""The overseas-sales engines (plain Python): the programme reference and its checks, listing
validation per marketplace, the HS code check, business registration numbers, the logistics
subsidy calculator, the monthly sales CSV parser and the programme's KPIs."""
