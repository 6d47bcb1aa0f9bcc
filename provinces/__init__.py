"""One plugin package per province; the entry-point name is the province's ASCII slug."""
