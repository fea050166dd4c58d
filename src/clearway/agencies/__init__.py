"""Single window: agency profiles, LPCO applications and permits as balances, referrals that hold release."""
