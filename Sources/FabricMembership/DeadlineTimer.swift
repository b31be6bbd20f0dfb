import FabricCore
import FabricReactor

/// One loop timer kept at a core's `nextDeadline`: the shells' only timer (a core keeps its
/// own deadlines and says when it next needs `onTimer`). Re-aiming at the same deadline keeps
/// the armed timer; a nil deadline cancels it. Loop-only, owned by one loop-bound actor.
struct DeadlineTimer {
    private var handle: TimerHandle?
    private var deadline: Instant?

    /// Keeps the timer at `next` (nil: none); `fire` runs on `loop` when it is due.
    mutating func aim(at next: Instant?, on loop: EventLoop, _ fire: @escaping () -> Void) {
        guard let next else { return cancel() }
        if handle != nil, deadline == next { return }
        handle?.cancel()
        deadline = next
        handle = loop.scheduleTimer(at: next, fire)
    }

    /// The timer fired: nothing is armed any more.
    mutating func fired() {
        handle = nil
        deadline = nil
    }

    /// Disarms it.
    mutating func cancel() {
        handle?.cancel()
        fired()
    }
}
