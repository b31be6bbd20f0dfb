import CFabricShims
import FabricCore

/// The clock an event loop, its timer wheel and everything timed against them read: the
/// machine's monotonic clock, or one injected by a test or the simulator.
///
/// An enum rather than an `any MonotonicClock`, so that the common case costs what it cost
/// before clocks could be injected: `now` on `.system` is one switch on a tag and a direct call
/// of `clock_gettime`, with no existential to open and no witness table to go through. The
/// loop reads it once per turn and the call path once per call.
package enum LoopClock: Sendable {
    /// `CLOCK_MONOTONIC` (`SystemClock`).
    case system
    /// Any other clock. A class, so that two parts of a node can check they were given the
    /// same one (`isSame(as:)`): a call's deadline, read on one, is armed on a loop's wheel
    /// that runs on the other.
    case injected(any MonotonicClock & AnyObject)

    /// `.system` for a `SystemClock`, `.injected` otherwise. An injected clock must be a class
    /// (see `injected`); any other value is a programmer error.
    package init(_ clock: any MonotonicClock) {
        if clock is SystemClock {
            self = .system
        } else if let object = clock as? any MonotonicClock & AnyObject {
            self = .injected(object)
        } else {
            preconditionFailure("an injected clock must be a class, so that its users can check they share it (got \(type(of: clock)))")
        }
    }

    /// The current instant on this clock.
    @inline(__always)
    package var now: Instant {
        switch self {
        case .system: Instant(nanoseconds: cfabric_monotonic_nanoseconds())
        case .injected(let clock): clock.now
        }
    }

    /// Whether this is the machine's clock.
    package var isSystem: Bool {
        if case .system = self { true } else { false }
    }

    /// Whether `self` and `other` are one clock (both the system's, or the same object), so
    /// that instants read on one mean the same on the other.
    package func isSame(as other: LoopClock) -> Bool {
        switch (self, other) {
        case (.system, .system): true
        case (.injected(let left), .injected(let right)): left === right
        default: false
        }
    }

    /// Whether `self` is `clock`.
    package func isSame(as clock: any MonotonicClock) -> Bool {
        if clock is SystemClock { return isSystem }
        guard case .injected(let object) = self, let other = clock as? any MonotonicClock & AnyObject else { return false }
        return object === other
    }
}
