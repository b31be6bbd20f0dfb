// The tests of RaftCore live in this target.
