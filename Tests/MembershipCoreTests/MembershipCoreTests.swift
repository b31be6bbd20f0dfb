// The tests of MembershipCore live in this target.
