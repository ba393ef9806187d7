//! flowsieve (under construction).
