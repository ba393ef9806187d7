//! flowsieve-synth (under construction).
