"""mediaws: an AI media creation workspace."""
