"""The customer zone (Strefa Klienta): following requests by a private link or with an account."""
