import FabricCore

/// A timer scheduled on an event loop. Cancelling is O(1) and idempotent; cancelling a timer
/// that has fired or was cancelled does nothing.
package struct TimerHandle: Sendable {
    /// The loop the timer runs on; `cancel` must be called there.
    package let loop: EventLoop
    let token: TimerWheel.Token

    /// Stops the timer from firing. Loop-only.
    package func cancel() {
        loop.assertInEventLoop()
        loop.timers.cancel(token)
    }

    /// Whether the timer is still waiting to fire. Loop-only.
    package var isPending: Bool {
        loop.assertInEventLoop()
        return loop.timers.isLive(token)
    }
}

extension EventLoop {
    /// Runs `work` on this loop once `deadline` has passed (never before; typically within a
    /// millisecond after). Timers due in the same turn run in deadline order. Loop-only.
    package func scheduleTimer(at deadline: Instant, _ work: @escaping () -> Void) -> TimerHandle {
        assertInEventLoop()
        return TimerHandle(loop: self, token: timers.schedule(atNanoseconds: deadline.nanoseconds, work))
    }

    /// Runs `work` on this loop once `delay` has passed. Loop-only.
    package func scheduleTimer(after delay: Duration, _ work: @escaping () -> Void) -> TimerHandle {
        scheduleTimer(at: now + delay, work)
    }

    /// Timers scheduled on this loop that have neither fired nor been cancelled. Loop-only.
    package var pendingTimerCount: Int {
        assertInEventLoop()
        return timers.count
    }
}
