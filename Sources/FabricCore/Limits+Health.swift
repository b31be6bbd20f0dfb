// Bounds of the health machinery (HealthCore: phi-accrual detectors, health checks, the
// heartbeat monitor). Each is a compiled-in ceiling that configurations are checked against.

extension Limits {
    /// Heartbeat intervals one phi-accrual detector may keep (the ceiling of its configured
    /// `maxSampleSize`; Akka's default of 1000 is well under it). The ring is preallocated up to
    /// the configured size, so this bounds one detector's memory at 8 bytes per sample.
    public static let phiAccrualSamplesMax = 10_000

    /// The longest heartbeat interval a detector records, in nanoseconds (one day). A longer
    /// gap is recorded as this long. It keeps the detector's exact integer sums (sum and sum of
    /// squares of up to `phiAccrualSamplesMax` intervals) far from overflowing a `UInt128`;
    /// in practice such a gap is never recorded at all, since a detector only records an
    /// interval after which the node was still available.
    public static let phiAccrualIntervalNanosecondsMax: UInt64 = 86_400 * 1_000_000_000

    /// The largest phi threshold a configuration may name. Phi 1000 already means a chance of
    /// 10^-1000 that the node is alive; a larger threshold could never be reached in practice.
    public static let phiAccrualThresholdMax: Double = 1000

    /// Nodes one heartbeat monitor (`HealthMonitorCore`) watches at once; past it
    /// `startMonitoring` refuses and counts the refusal.
    public static let healthMonitoredNodesMax = 4096

    /// Health check results one evaluation looks at; the rest are not looked at and the node is
    /// reported not ready, saying how many were left out.
    public static let healthChecksMax = 256

    /// Bytes of a health check's name (longer names are refused when the check is made).
    public static let healthCheckNameBytesMax = 128
}
