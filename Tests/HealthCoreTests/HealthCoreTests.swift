// The tests of HealthCore live in this target.
