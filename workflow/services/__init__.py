"""Use cases. Each public function is one transaction: it commits, or rolls back and raises."""
