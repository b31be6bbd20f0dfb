import FabricCore
import FabricReactor
import Glibc
import Synchronization
import Testing

@Suite struct EventLoopTests {
    @Test func loopsKnowTheirThread() async {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        #expect(EventLoop.current == nil)
        #expect(!group.loops[0].inEventLoop)
        for loop in group.loops {
            let (inLoop, currentIndex, inOther) = await onLoop(loop) {
                (loop.inEventLoop, EventLoop.current?.index, group.loops.filter { $0 !== loop }[0].inEventLoop)
            }
            #expect(inLoop)
            #expect(currentIndex == loop.index)
            #expect(!inOther)
        }
    }

    @Test func nextIsRoundRobin() {
        let group = EventLoopGroup(loopCount: 3)
        defer { group.shutdown() }
        let indices = (0..<6).map { _ in group.next().index }
        #expect(indices == [0, 1, 2, 0, 1, 2])
    }

    @Test func coreCountIsPositive() {
        #expect(System.coreCount >= 1)
    }

    /// Many threads each submit numbered closures; each runs exactly once, in order per thread.
    @Test func executeFromManyThreadsRunsEverythingOnceInOrderPerProducer() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let producers = 8
        let perProducer = 20_000
        let seen = LoopBox([[Int]](repeating: [], count: producers))
        await withTaskGroup(of: Void.self) { tasks in
            for producer in 0..<producers {
                tasks.addTask {
                    for number in 0..<perProducer {
                        loop.execute { seen.value[producer].append(number) }
                    }
                }
            }
        }
        let result = await onLoop(loop) { seen.value }
        for producer in 0..<producers {
            #expect(result[producer] == Array(0..<perProducer), "producer \(producer)")
        }
    }

    @Test func executeFromTheLoopRunsAfterTheCurrentWorkNotInsideIt() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let order = await onLoop(loop) { () -> [String] in
            let log = LoopBox<[String]>([])
            loop.execute { log.value.append("inner") }
            log.value.append("outer")
            return log.value
        }
        #expect(order == ["outer"])
    }

    @Test func endOfTurnWorkRunsAfterTheTurnsQueuedWork() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let log = LoopBox<[String]>([])
        await onLoop(loop) {
            loop.executeAtEndOfTurn { log.value.append("end of turn") }
            loop.execute { log.value.append("queued") }
            log.value.append("first")
        }
        #expect(await eventually { await onLoop(loop) { log.value.count == 3 } })
        #expect(await onLoop(loop) { log.value } == ["first", "queued", "end of turn"])
    }

    @Test func timersFireInDeadlineOrderNeverEarly() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let fired = LoopBox<[(id: Int, late: Bool)]>([])
        await onLoop(loop) {
            let start = loop.now
            for (id, milliseconds) in [30, 5, 20, 1, 10, 0].enumerated() {
                let deadline = start + .milliseconds(milliseconds)
                _ = loop.scheduleTimer(at: deadline) {
                    fired.value.append((id, loop.now >= deadline))
                }
            }
        }
        #expect(await eventually { await onLoop(loop) { fired.value.count == 6 } })
        let result = await onLoop(loop) { fired.value }
        #expect(result.map(\.id) == [5, 3, 1, 4, 2, 0])
        #expect(result.allSatisfy { $0.late })
    }

    @Test func cancelledTimersDoNotFireAndCancelIsIdempotent() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let fired = LoopBox<[Int]>([])
        await onLoop(loop) {
            let cancelled = loop.scheduleTimer(after: .milliseconds(5)) { fired.value.append(1) }
            _ = loop.scheduleTimer(after: .milliseconds(10)) { fired.value.append(2) }
            let cancelledByTimer = loop.scheduleTimer(after: .milliseconds(10)) { fired.value.append(3) }
            _ = loop.scheduleTimer(after: .milliseconds(8)) { cancelledByTimer.cancel() }
            cancelled.cancel()
            cancelled.cancel()
            #expect(!cancelled.isPending)
            #expect(cancelledByTimer.isPending)
        }
        // Every timer has fired or been cancelled once none is pending: then only 2 has run.
        #expect(await eventually { await onLoop(loop) { loop.pendingTimerCount == 0 } })
        #expect(await onLoop(loop) { (fired.value, loop.pendingTimerCount) } == ([2], 0))
    }

    @Test func aHundredThousandTimersOnALoop() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let count = 100_000
        let firedDeadlines = LoopBox<[UInt64]>([])
        let early = LoopBox(0)
        await onLoop(loop) {
            var generator = SeededGenerator(seed: 7)
            let start = loop.now
            var handles: [TimerHandle] = []
            handles.reserveCapacity(count)
            for _ in 0..<count {
                let deadline = start + .microseconds(Int64.random(in: 0..<300_000, using: &generator))
                handles.append(loop.scheduleTimer(at: deadline) {
                    if loop.now < deadline { early.value += 1 }
                    firedDeadlines.value.append(deadline.nanoseconds)
                })
            }
            for index in stride(from: 0, to: count, by: 2) { handles[index].cancel() }
        }
        #expect(await eventually { await onLoop(loop) { loop.pendingTimerCount == 0 } })
        let (deadlines, earlyCount) = await onLoop(loop) { (firedDeadlines.value, early.value) }
        #expect(deadlines.count == count / 2)
        #expect(deadlines == deadlines.sorted())
        #expect(earlyCount == 0)
    }

    /// An idle loop blocks in epoll_wait with no timeout; work from another thread must wake it.
    @Test func aLoopWithNothingToDoSleepsAndWakesForExecute() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let ran = Atomic<Int>(0)
        for round in 1...20 {
            try? await Task.sleep(for: .milliseconds(2))
            loop.execute { ran.wrappingAdd(1, ordering: .relaxed) }
            #expect(await eventually(timeout: .seconds(5)) { ran.load(ordering: .relaxed) == round })
        }
    }
}
