//! flowsieve-sg (under construction).
