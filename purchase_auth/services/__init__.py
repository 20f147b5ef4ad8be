"""Writes for purchasing (SPEC §4–§6), one module per sub-domain: `purchase_authorizations`, `orders`
(placing and returns), `order_acceptance` (what the upstream system does), `licences`, `pricing`,
`three_year_commit`; `common` holds what they share. Every service locks the customer row first, so
the writes of one customer happen one at a time; the database constraints refuse whatever slips past."""
