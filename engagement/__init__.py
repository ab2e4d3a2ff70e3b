"""Q&A board, case library, cadre visits, stability meetings, screening ledger, training, rules publicity (issue #7)."""
