/// A point on a monotonic clock, in nanoseconds since an arbitrary origin.
///
/// Pure modules never read a clock: time reaches them as an `Instant` argument (`now:`), which
/// is what lets the simulator drive them deterministically (DESIGN.md §2).
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: UInt64

    /// The instant `nanoseconds` after the clock's origin.
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The clock's origin.
    public static let zero = Instant(nanoseconds: 0)

    /// Whether `lhs` comes before `rhs`.
    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The instant `duration` later (saturating; negative durations move back, never below zero).
    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        let delta = rhs.nanoseconds
        if delta >= 0 {
            let (sum, overflow) = lhs.nanoseconds.addingReportingOverflow(UInt64(delta))
            return Instant(nanoseconds: overflow ? .max : sum)
        }
        let back = UInt64(-delta)
        return Instant(nanoseconds: lhs.nanoseconds > back ? lhs.nanoseconds - back : 0)
    }

    /// How long from `other` to `self`, negative when `other` is later.
    public func duration(since other: Instant) -> Duration {
        if nanoseconds >= other.nanoseconds {
            return .nanoseconds(Int64(clamping: nanoseconds - other.nanoseconds))
        }
        return .nanoseconds(-Int64(clamping: other.nanoseconds - nanoseconds))
    }

    /// The nanoseconds, with the unit.
    public var description: String { "\(nanoseconds)ns" }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at the bounds of `Int64`.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return sum
    }

    /// The duration in whole microseconds, saturating.
    public var microseconds: Int64 { nanoseconds / 1000 }
}
