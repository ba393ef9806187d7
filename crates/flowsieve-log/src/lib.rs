//! flowsieve-log (under construction).
