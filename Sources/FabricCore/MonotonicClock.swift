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

    /// Calls `observer` after every move of the clock, from the thread that moved it, until the
    /// returned observation is cancelled; nil for a clock that moves on its own.
    ///
    /// An event loop sleeps until its next timer is due. On the machine's clock it sleeps for
    /// that long; on a clock that moves only when told to, waiting "that long" means nothing,
    /// so the loop sleeps until the clock tells it that it moved, and then looks at its timers
    /// again (`EventLoop`, Docs/Architecture.md "Injected clock and entropy").
    func observeAdvances(_ observer: @escaping @Sendable () -> Void) -> ClockObservation?
}

extension MonotonicClock {
    /// A clock that moves on its own has no moves to report.
    package func observeAdvances(_ observer: @escaping @Sendable () -> Void) -> ClockObservation? { nil }
}

/// One registration of `MonotonicClock.observeAdvances`; `cancel()` stops it (idempotent).
package final class ClockObservation: Sendable {
    private let stop: Mutex<(@Sendable () -> Void)?>

    package init(cancel: @escaping @Sendable () -> Void) { stop = Mutex(cancel) }

    /// Stops the observer from being called again once this returns (a call already under way
    /// on another thread may still finish).
    package func cancel() {
        let stop = self.stop.withLock { stop in
            defer { stop = nil }
            return stop
        }
        stop?()
    }
}

/// A clock that moves only when told to: for tests and the simulator. Thread-safe.
///
/// Every move is reported to its observers (the event loops running on it) after the new time
/// is visible, so a loop that reads the clock after being told sees at least that time.
package final class ManualClock: MonotonicClock {
    private let current: Mutex<Instant>
    private let observers = Mutex(Observers())

    private struct Observers {
        var next: UInt64 = 0
        var byID: [UInt64: @Sendable () -> Void] = [:]
    }

    package init(_ start: Instant = Instant(nanoseconds: 1_000_000_000)) {
        current = Mutex(start)
    }

    package var now: Instant { current.withLock { $0 } }

    /// Moves the clock forward by `duration` (a negative duration is a programmer error).
    package func advance(by duration: Duration) {
        precondition(duration >= .zero, "a monotonic clock cannot go back (advance by \(duration))")
        current.withLock { $0 = $0 + duration }
        notifyObservers()
    }

    /// Moves the clock to `instant`, which must not be earlier than now.
    package func set(_ instant: Instant) {
        current.withLock { now in
            precondition(instant >= now, "a monotonic clock cannot go back (\(now) → \(instant))")
            now = instant
        }
        notifyObservers()
    }

    package func observeAdvances(_ observer: @escaping @Sendable () -> Void) -> ClockObservation? {
        let id = observers.withLock { observers in
            defer { observers.next += 1 }
            observers.byID[observers.next] = observer
            return observers.next
        }
        return ClockObservation { [self] in
            // Taken out under the lock, released after it: the closure may hold the last
            // reference to whatever it captured.
            let removed = observers.withLock { $0.byID.removeValue(forKey: id) }
            _ = removed
        }
    }

    /// Observers now registered (tests check that loops let go of the clock).
    package var observerCount: Int { observers.withLock { $0.byID.count } }

    /// Calls the observers outside the lock, so that one may cancel itself or read the clock.
    private func notifyObservers() {
        let toCall = observers.withLock { Array($0.byID.values) }
        for observer in toCall { observer() }
    }
}
