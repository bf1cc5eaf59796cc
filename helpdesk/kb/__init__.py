"""Self-service: the knowledge base (help articles), its public pages /pomoc/, suggestions on the
contact form and the deflected contacts they count."""
