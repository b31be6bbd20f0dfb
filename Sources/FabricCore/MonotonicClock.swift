import Synchronization

/// Where time comes from, for code that must be drivable by a simulator (DESIGN.md §2, §7).
///
/// The transport and the actor system read the time through one of these instead of the
/// machine's clock, so `FabricSimulation` can run them on simulated time. Pure cores never hold
/// one: they are given `now:` by their shell.
///
/// Named `MonotonicClock`, not `Clock`: `FabricCore` is re-exported by `Fabric`, and a type
/// called `Clock` would shadow the standard library's `Clock` protocol in every module that
/// imports Fabric.
package protocol MonotonicClock: Sendable {
    /// The current instant. Never goes back.
    var now: Instant { get }
}

/// A clock that moves only when told to: for tests and the simulator. Thread-safe.
package final class ManualClock: MonotonicClock {
    private let current: Mutex<Instant>

    package init(_ start: Instant = Instant(nanoseconds: 1_000_000_000)) {
        current = Mutex(start)
    }

    package var now: Instant { current.withLock { $0 } }

    /// Moves the clock forward by `duration` (a negative duration is a programmer error).
    package func advance(by duration: Duration) {
        precondition(duration >= .zero, "a monotonic clock cannot go back (advance by \(duration))")
        current.withLock { $0 = $0 + duration }
    }

    /// Moves the clock to `instant`, which must not be earlier than now.
    package func set(_ instant: Instant) {
        current.withLock { now in
            precondition(instant >= now, "a monotonic clock cannot go back (\(now) → \(instant))")
            now = instant
        }
    }
}
