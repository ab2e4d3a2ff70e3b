"""Pages of the engagement module: thin views over the services (engagement.qa, .library, …)."""
