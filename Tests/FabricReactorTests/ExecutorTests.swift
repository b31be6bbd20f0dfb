import FabricReactor
import Testing

/// An actor that runs on an event loop.
actor LoopBoundCounter {
    let loop: EventLoop
    var count = 0

    init(loop: EventLoop) { self.loop = loop }

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    func increment() -> (count: Int, onLoop: Bool) {
        count += 1
        return (count, loop.inEventLoop)
    }
}

/// An actor on the default executor, to hop to and back from.
actor Elsewhere {
    func value() -> Int { 42 }
}

@Suite struct ExecutorTests {
    @Test func tasksPreferringALoopRunOnItAcrossSuspensions() async {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let loop = group.loops[1]
        let elsewhere = Elsewhere()
        let observations = await withTaskExecutorPreference(loop) { () -> [Bool] in
            var seen = [loop.inEventLoop]
            await Task.yield()
            seen.append(loop.inEventLoop)
            _ = await elsewhere.value()
            seen.append(loop.inEventLoop)
            try? await Task.sleep(for: .milliseconds(1))
            seen.append(loop.inEventLoop)
            return seen
        }
        #expect(observations == [true, true, true, true])
    }

    @Test func childTasksInheritTheLoopPreference() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let results = await withTaskExecutorPreference(loop) {
            await withTaskGroup(of: Bool.self) { children in
                for _ in 0..<16 { children.addTask { loop.inEventLoop } }
                return await children.reduce(into: [Bool]()) { $0.append($1) }
            }
        }
        #expect(results.count == 16 && results.allSatisfy { $0 })
    }

    @Test func anActorWhoseExecutorIsALoopRunsOnThatLoop() async {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let counter = LoopBoundCounter(loop: group.loops[1])
        for expected in 1...100 {
            let (count, onLoop) = await counter.increment()
            #expect(count == expected)
            #expect(onLoop)
        }
    }

    @Test func assumeIsolatedWorksFromLoopClosures() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let counter = LoopBoundCounter(loop: loop)
        let count = await onLoop(loop) {
            loop.checkIsolated()
            return counter.assumeIsolated { counter in
                counter.count += 10
                return counter.count
            }
        }
        #expect(count == 10)
        #expect(await onLoop(loop) { loop.isIsolatingCurrentContext() } == true)
        #expect(group.loops[0].isIsolatingCurrentContext() == false)
    }

    @Test func manyConcurrentCallsFromOutsideAllComplete() async {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        let counter = LoopBoundCounter(loop: group.loops[0])
        await withTaskGroup(of: Void.self) { tasks in
            for _ in 0..<2_000 { tasks.addTask { _ = await counter.increment() } }
        }
        #expect(await counter.count == 2_000)
    }

    @Test func executorIdentity() {
        let group = EventLoopGroup(loopCount: 2)
        defer { group.shutdown() }
        #expect(group.loops[0].isSameExclusiveExecutionContext(other: group.loops[0]))
        #expect(!group.loops[0].isSameExclusiveExecutionContext(other: group.loops[1]))
    }
}
