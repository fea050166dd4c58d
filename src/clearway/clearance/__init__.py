"""The clearance flows: journeys that span domains (lodge, amend, cancel, release), above every domain.

Domains never import this package. What the flows need from outside (the channel decider, the
reasons to hold goods, the payment gateway) arrives in a `Wiring` built once by `clearway.assembly`.
"""
