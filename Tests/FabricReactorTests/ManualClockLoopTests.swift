import FabricCore
import FabricReactor
import Synchronization
import Testing

/// Returns once `loop` has run a whole turn's timers that started after this call (so every
/// timer due at the clock's current time has fired), and then `hops` more rounds of its run
/// queue (so work those timers queued, such as a resumed task, has run too).
func afterDueTimers(on loop: EventLoop, hops: Int = 3) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        loop.execute {
            // Due at once and first of its turn (deadline 0): it runs in that turn's timer
            // pass, which reads the clock after this closure was queued.
            _ = loop.scheduleTimer(at: .zero) { hop(on: loop, hops, continuation) }
        }
    }
}

private func hop(on loop: EventLoop, _ remaining: Int, _ continuation: CheckedContinuation<Void, Never>) {
    guard remaining > 0 else { return continuation.resume() }
    loop.execute { hop(on: loop, remaining - 1, continuation) }
}

@Suite struct ManualClockLoopTests {
    /// Timers on a loop with a ManualClock fire when the clock reaches them, in deadline order,
    /// and never because wall time passed. Without the injected clock the loop's timers ran on
    /// `CLOCK_MONOTONIC` and the first one fired 5 ms later whatever the test did.
    @Test func timersFireWhenTheClockIsAdvancedPastThem() async {
        let clock = ManualClock()
        let group = EventLoopGroup(loopCount: 1, clock: clock)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let fired = Mutex<[Int]>([])
        let firstFired = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let start = clock.now
        await onLoop(loop) {
            #expect(loop.now == start)
            _ = loop.scheduleTimer(at: start + .milliseconds(5)) {
                fired.withLock { $0.append(1) }
                firstFired.withLock { $0?.resume(); $0 = nil }
            }
            _ = loop.scheduleTimer(at: start + .milliseconds(10)) { fired.withLock { $0.append(2) } }
            // Rounded up to the next 1 ms tick: due at 11 ms.
            _ = loop.scheduleTimer(at: start + .milliseconds(10) + .nanoseconds(1)) { fired.withLock { $0.append(3) } }
        }
        await afterDueTimers(on: loop)
        #expect(fired.withLock { $0 } == [])

        clock.advance(by: .milliseconds(4))
        await afterDueTimers(on: loop)
        #expect(fired.withLock { $0 } == [])

        await withCheckedContinuation { continuation in
            firstFired.withLock { $0 = continuation }
            clock.advance(by: .milliseconds(1))  // wakes the loop: nothing else does
        }
        #expect(fired.withLock { $0 } == [1])

        clock.advance(by: .milliseconds(5))
        await afterDueTimers(on: loop)
        #expect(fired.withLock { $0 } == [1, 2])
        #expect(await onLoop(loop) { loop.turnStarted } == start + .milliseconds(10))

        clock.advance(by: .milliseconds(1))
        await afterDueTimers(on: loop)
        #expect(fired.withLock { $0 } == [1, 2, 3])
        #expect(await onLoop(loop) { loop.pendingTimerCount } == 0)
    }

    /// One jump past several deadlines fires them all in one turn, in deadline order.
    @Test func oneJumpFiresEveryDueTimerInOrder() async {
        let clock = ManualClock()
        let group = EventLoopGroup(loopCount: 1, clock: clock)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let fired = Mutex<[Int]>([])
        let start = clock.now
        await onLoop(loop) {
            for (order, delay) in [(3, 900), (1, 7), (2, 300)] {
                _ = loop.scheduleTimer(at: start + .seconds(delay)) { fired.withLock { $0.append(order) } }
            }
        }
        clock.advance(by: .seconds(899))
        await afterDueTimers(on: loop)
        #expect(fired.withLock { $0 } == [1, 2])
        clock.advance(by: .seconds(1))
        await afterDueTimers(on: loop)
        #expect(fired.withLock { $0 } == [1, 2, 3])
    }

    /// A stopped loop lets go of its clock's observer (the observer holds the loop).
    @Test func shutdownStopsObservingTheClock() {
        let clock = ManualClock()
        let group = EventLoopGroup(loopCount: 2, clock: clock)
        #expect(clock.observerCount == 2)
        group.shutdown()
        #expect(clock.observerCount == 0)
    }

    @Test func systemClockGroupsRunOnTheSystemClock() {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        #expect(group.clock.isSystem)
        #expect(group.loops[0].clock.isSame(as: SystemClock()))
        #expect(!group.loops[0].clock.isSame(as: ManualClock()))
    }
}
