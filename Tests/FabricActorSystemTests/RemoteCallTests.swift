import Synchronization
import Testing
import FabricTestKit
@testable import Fabric
@testable import FabricActorSystem

@Suite(.serialized) struct RemoteCallTests {
    static func withCluster(_ names: [String] = ["a", "b"], _ body: (LocalCluster) async throws -> Void) async throws {
        let cluster = try await LocalCluster.start(names: names)
        do {
            try await body(cluster)
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
    }

    /// Reads with `read` every 10 ms until `until` holds or `limit` passes; the last reading.
    /// (One-way calls are still arriving when the sender's loop ends.)
    static func poll<T>(
        for limit: Duration, until done: (T) -> Bool, _ read: () async throws -> T
    ) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var value = try await read()
        while !done(value), clock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
            value = try await read()
        }
        return value
    }

    @Test func callsReturnValuesAcrossNodes() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: cluster["a"].system)
            let answer = try await remote.greet(Greeting(name: "Ada", times: 3))
            #expect(answer == ["hello Ada", "hello Ada", "hello Ada"])
            #expect(try await remote.greet(Greeting(name: "x", times: 0)) == [])
            #expect(cluster["a"].system.counters.value(.callsSent) == 2)
            let stats = cluster["a"].stats
            #expect(stats.callsSent == 2)
            #expect((stats.peers["b"]?.framesOut ?? 0) >= 2)
            #expect((stats.peers["b"]?.bytesIn ?? 0) > 0)
            #expect(cluster["b"].stats.callsReceived == 2)
        }
    }

    @Test func localCallsNeverTouchTheWire() async throws {
        try await Self.withCluster { cluster in
            let a = cluster["a"].system
            _ = try a.make(name: "greeter") { Greeter(actorSystem: a) }
            let local = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("a")), using: a)
            #expect(try await local.greet(Greeting(name: "me", times: 1)) == ["hello me"])
            #expect(a.counters.value(.callsSent) == 0)
        }
    }

    @Test func registeredCodableErrorsComeBackAsThemselves() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            cluster["a"].system.registerError(GreetingRefused.self)
            cluster["b"].system.registerError(GreetingRefused.self)
            let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: cluster["a"].system)
            await #expect(throws: GreetingRefused(reason: "negative times")) {
                try await remote.greet(Greeting(name: "x", times: -1))
            }
            do {
                _ = try await remote.greet(Greeting(name: "x", times: 5000))
                Issue.record("expected a remote error")
            } catch let error as FabricError {
                #expect(error.code == .remoteError)
                #expect(error.remoteType?.hasSuffix("UnregisteredFailure") == true)
                #expect(error.message.contains("too many"))
            }
        }
    }

    /// The call never answers (its actor waits on a gate), so only the deadline can end it: the
    /// error must be the connection's deadline timeout. (The exact instant is checked on a
    /// ManualClock in `InjectedClockTests`.)
    @Test func deadlinesFailCallsWithTimeout() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            let gate = TestGate(), arrived = TestGate()
            _ = try b.make(name: "hanger") { Hanger(actorSystem: b, gate: gate, arrived: arrived) }
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let hanger = try Hanger.resolve(id: .wellKnown("hanger", on: NodeId("b")), using: cluster["a"].system)
            let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: cluster["a"].system)
            do {
                _ = try await withCallOptions(timeout: .milliseconds(100)) { try await hanger.hang() }
                Issue.record("expected a timeout")
            } catch let error as FabricError {
                #expect(error.code == .timeout)
                #expect(error.message.contains("deadline"), "\(error)")
            }
            gate.open()
            // The connection is still fine afterwards.
            #expect(try await remote.slow(milliseconds: 1) == 1)
        }
    }

    /// The outer scope's 150 ms is earlier than the inner 30 s, and the call needs 3 s: a
    /// timeout (rather than the 3 s answer) shows the earlier deadline was kept.
    @Test func nestedScopesKeepTheEarlierDeadline() async throws {
        try await Self.withCluster(["a", "b", "c"]) { cluster in
            let b = cluster["b"].system, c = cluster["c"].system
            _ = try b.make(name: "relay") { Greeter(actorSystem: b) }
            _ = try c.make(name: "slow") { Greeter(actorSystem: c) }
            let relay = try Greeter.resolve(id: .wellKnown("relay", on: NodeId("b")), using: cluster["a"].system)
            let slowOnC = try Greeter.resolve(id: .wellKnown("slow", on: NodeId("c")), using: cluster["a"].system)
            do {
                _ = try await withCallOptions(timeout: .milliseconds(150)) {
                    try await withCallOptions(timeout: .seconds(30)) {
                        try await relay.relaySlow(slowOnC, milliseconds: 3000)
                    }
                }
                Issue.record("expected a timeout")
            } catch let error as FabricError {
                #expect(error.code == .timeout, "\(error)")
            }
        }
    }

    /// The call has arrived and never answers (its actor waits on a gate, and the deadline is
    /// an hour away), so only cancelling the caller can end the wait.
    @Test func cancellingTheCallerStopsTheWait() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            let gate = TestGate(), arrived = TestGate()
            _ = try b.make(name: "hanger") { Hanger(actorSystem: b, gate: gate, arrived: arrived) }
            let remote = try Hanger.resolve(id: .wellKnown("hanger", on: NodeId("b")), using: cluster["a"].system)
            let task = Task { try await withCallOptions(timeout: .seconds(3600)) { try await remote.hang() } }
            await arrived.wait()
            task.cancel()
            do {
                _ = try await task.value
                Issue.record("expected cancellation")
            } catch let error as FabricError {
                #expect(error.code == .cancelled)
            }
            gate.open()
        }
    }

    @Test func callsToUnknownNodesFailAsUnreachable() async throws {
        try await Self.withCluster { cluster in
            let ghost = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("ghost")), using: cluster["a"].system)
            do {
                _ = try await ghost.greet(Greeting(name: "x", times: 1))
                Issue.record("expected nodeUnreachable")
            } catch let error as FabricError {
                #expect(error.code == .nodeUnreachable)
            }
        }
    }

    @Test func missingActorsAndNamesAreTypedErrors() async throws {
        try await Self.withCluster { cluster in
            let a = cluster["a"].system
            let missing = try Greeter.resolve(id: .wellKnown("nobody", on: NodeId("b")), using: a)
            do {
                _ = try await missing.greet(Greeting(name: "x", times: 1))
                Issue.record("expected actorNotFound")
            } catch let error as FabricError {
                #expect(error.code == .actorNotFound)
            }
            _ = try a.make(name: "once") { Greeter(actorSystem: a) }
            #expect(throws: FabricError.self) { _ = try a.make(name: "once") { Greeter(actorSystem: a) } }
            #expect(throws: FabricError.self) { _ = try Greeter.resolve(id: .wellKnown("nobody", on: NodeId("a")), using: a) }
            #expect(throws: FabricError.self) { _ = try Bystander.resolve(id: .wellKnown("once", on: NodeId("a")), using: a) }
        }
    }

    @Test func oneWayCallsArriveInOrder() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: cluster["a"].system)
            try await withCallOptions(oneWay: true) {
                for value in 0..<2000 { try await remote.append(value) }
            }
            let log = try await Self.poll(for: .seconds(10), until: { $0.count == 2000 }) { try await remote.appended() }
            #expect(log == Array(0..<2000))
        }
    }

    /// A recipient on the connection's loop takes another path (its drain task starts
    /// isolated to it); order must hold there too, across read holds (5,000 > the hold depth).
    @Test func oneWayCallsToALoopActorArriveInOrder() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            try b.make(name: "log") { LoopLog(actorSystem: b) }
            let remote = try LoopLog.resolve(id: .wellKnown("log", on: NodeId("b")), using: cluster["a"].system)
            try await withCallOptions(oneWay: true) {
                for value in 0..<5000 { try await remote.append(value) }
            }
            let log = try await Self.poll(for: .seconds(20), until: { $0.count == 5000 }) { try await remote.all() }
            #expect(log == Array(0..<5000))
        }
    }

    /// Many callers at once to an actor on the connection's loop: calls start inline where
    /// their frame is read (`Task.immediate`), replies are framed straight into the stream and
    /// sent early during long batches. Every caller must get its own answer, with replies sent
    /// at the end of each turn only, after every reply, and every 8 (the default).
    @Test(arguments: [0, 1, 8])
    func concurrentCallsToALoopActorGetTheirOwnAnswers(repliesPerEarlyFlush: Int) async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"]) { configuration in
            configuration.limits.repliesPerEarlyFlush = repliesPerEarlyFlush
        }
        try await cluster.shuttingDown {
            let b = cluster["b"].system
            try b.make(name: "log") { LoopLog(actorSystem: b) }
            let remote = try LoopLog.resolve(id: .wellKnown("log", on: NodeId("b")), using: cluster["a"].system)
            let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
                for caller in 0..<64 {
                    group.addTask {
                        var wrong = 0
                        for call in 0..<100 {
                            let value = caller * 1000 + call
                            if try await remote.twice(value) != value * 2 { wrong += 1 }
                        }
                        return wrong
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(wrong == 0)
            #expect(cluster["a"].system.counters.value(.callsSent) == 6400)
        }
    }

    /// Calls encode their arguments into payload arrays that earlier calls' frames gave back
    /// (`PayloadBufferPool`): callers at once, arguments of many lengths, each answer its own.
    @Test func callsEncodedIntoRecycledPayloadsEachGetTheirOwnAnswer() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let a = cluster["a"].system
            let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a)
            let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
                for caller in 0..<16 {
                    group.addTask {
                        var wrong = 0
                        for call in 0..<50 {
                            // 1 to 300 characters: shorter arguments land in arrays that held longer ones.
                            let name = String(repeating: Character(UnicodeScalar(UInt8(97 + caller))), count: 1 + (call * 37 + caller * 11) % 300)
                            if try await remote.greet(Greeting(name: name, times: 1)) != ["hello \(name)"] { wrong += 1 }
                        }
                        return wrong
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(wrong == 0)
            #expect(a.transport.payloadBuffers.reusedCount > 0, "calls were encoded into arrays that earlier frames gave back")
        }
    }

    /// A caller that sends a one-way call and then asks the same actor gets an answer that has
    /// seen it (`tell` then `ask`): the two-way call queues behind the one-way calls ahead of it.
    /// Before it did, the answer was stale in most rounds (85 % of 200 to a loop actor).
    @Test func aTwoWayCallAfterOneWayCallsSeesThem() async throws {
        try await Self.withCluster { cluster in
            let a = cluster["a"].system, b = cluster["b"].system
            try b.make(name: "log") { LoopLog(actorSystem: b) }
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let log = try LoopLog.resolve(id: .wellKnown("log", on: NodeId("b")), using: a)
            let greeter = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a)
            var staleFromLoopActor = 0, staleFromDefaultActor = 0
            for round in 0..<200 {
                try await withCallOptions(oneWay: true) {
                    try await log.append(round)
                    try await log.append(round + 1000)
                    try await greeter.append(round)
                }
                if try await log.all().suffix(2) != [round, round + 1000] { staleFromLoopActor += 1 }
                if try await greeter.appended().last != round { staleFromDefaultActor += 1 }
            }
            #expect(staleFromLoopActor == 0)
            #expect(staleFromDefaultActor == 0)
            // Two-way calls with no one-way calls ahead still run at once, in parallel: the
            // concurrent-callers test above covers them; here, a plain call after the drain ended.
            #expect(try await log.twice(21) == 42)
        }
    }

    /// The order holds when the one-way call ahead suspends: the ask waits for it (the
    /// documented cost), then sees it; and the connection keeps serving other actors meanwhile.
    @Test func aTwoWayCallWaitsForASuspendedOneWayCallAheadOfIt() async throws {
        try await Self.withCluster { cluster in
            let a = cluster["a"].system, b = cluster["b"].system
            let loopGate = TestGate(), defaultGate = TestGate()
            try b.make(name: "gated-loop") { GatedLoopLog(actorSystem: b, gate: loopGate) }
            try b.make(name: "gated") { GatedLog(actorSystem: b, gate: defaultGate) }
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let loopLog = try GatedLoopLog.resolve(id: .wellKnown("gated-loop", on: NodeId("b")), using: a)
            let log = try GatedLog.resolve(id: .wellKnown("gated", on: NodeId("b")), using: a)
            let greeter = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a)
            let cases: [(gate: TestGate, append: @Sendable (Int) async throws -> Void, all: @Sendable () async throws -> [Int])] = [
                (loopGate, { try await loopLog.appendWhenOpen($0) }, { try await loopLog.all() }),
                (defaultGate, { try await log.appendWhenOpen($0) }, { try await log.all() }),
            ]
            for (gate, append, all) in cases {
                try await withCallOptions(oneWay: true) { try await append(1) }
                let answered = Atomic<Bool>(false)
                let ask = Task {
                    let values = try await all()
                    answered.store(true, ordering: .relaxed)
                    return values
                }
                // Other actors on the same connection are served while the ask waits.
                #expect(try await greeter.greet(Greeting(name: "z", times: 1)) == ["hello z"])
                // A negative check: the pause gives a wrong early answer its chance to show; a
                // slow machine can only make it weaker, never fail it falsely.
                try await Task.sleep(for: .milliseconds(200))
                let answeredEarly = answered.load(ordering: .relaxed)
                #expect(!answeredEarly, "the ask waits for the one-way call ahead of it")
                gate.open()
                #expect(try await ask.value == [1])
            }
        }
    }

    @Test func oneWayFloodsToALoopActorAreAllCountedAndTwoWayCallsStillPass() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            try b.make(name: "counter") { LoopCounter(actorSystem: b) }
            let remote = try LoopCounter.resolve(id: .wellKnown("counter", on: NodeId("b")), using: cluster["a"].system)
            let payload = [UInt8](repeating: 7, count: 64)
            try await withCallOptions(oneWay: true) {
                for _ in 0..<20_000 { try await remote.add(payload) }
            }
            let total = try await Self.poll(for: .seconds(20), until: { $0 == 20_000 }) {
                try await withCallOptions(timeout: .seconds(10)) { try await remote.total() }
            }
            #expect(total == 20_000)
        }
    }

    @Test func oneWayOnAMethodWithAResultIsRejected() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: cluster["a"].system)
            do {
                _ = try await withCallOptions(oneWay: true) { try await remote.appended() }
                Issue.record("expected rejected")
            } catch let error as FabricError {
                #expect(error.code == .rejected)
            }
        }
    }

    @Test func actorReferencesTravelAsArgumentsAndCallCyclesDoNotDeadlock() async throws {
        try await Self.withCluster { cluster in
            let a = cluster["a"].system, b = cluster["b"].system
            let onA = try a.make(name: "greeter") { Greeter(actorSystem: a) }
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let onB = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a)
            let answers = try await withThrowingTaskGroup(of: [String].self) { group in
                for index in 0..<20 { group.addTask { try await onB.askBack(onA, name: "n\(index)") } }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(answers.count == 20)
            #expect(Set(answers).count == 20)
        }
    }

    @Test func genericMethodsResolveOnlyRegisteredTypes() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: cluster["a"].system)
            #expect(try await remote.identity(7) == 7)
            do {
                _ = try await remote.identity(Greeting(name: "g", times: 1))
                Issue.record("an unregistered generic type must not resolve on the receiver")
            } catch let error as FabricError {
                #expect(error.code == .serialization)
            }
            b.register(Greeting.self)
            #expect(try await remote.identity(Greeting(name: "g", times: 1)) == Greeting(name: "g", times: 1))
        }
    }

    @Test func losingTheConnectionFailsPendingCalls() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        let b = cluster["b"].system
        _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
        let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: cluster["a"].system)
        let gate = TestGate(), arrived = TestGate()
        _ = try b.make(name: "hanger") { Hanger(actorSystem: b, gate: gate, arrived: arrived) }
        let hanger = try Hanger.resolve(id: .wellKnown("hanger", on: NodeId("b")), using: cluster["a"].system)
        // The call has arrived and never answers, and its deadline is an hour away: only the
        // lost connection can end it.
        let pending = Task { try await withCallOptions(timeout: .seconds(3600)) { try await hanger.hang() } }
        await arrived.wait()
        await cluster["b"].leave()
        do {
            _ = try await pending.value
            Issue.record("expected the call to fail")
        } catch let error as FabricError {
            #expect(error.code == .nodeUnreachable || error.code == .shutdown, "\(error)")
        }
        gate.open()
        _ = remote
        await cluster["a"].leave()
    }

    /// The receive path remembers the last recipient per connection; an actor replaced at the
    /// same path must get the next call, and a released one must not.
    @Test func callsReachTheActorNowAtAPathNotTheOneRememberedThere() async throws {
        try await Self.withCluster { cluster in
            let b = cluster["b"].system
            _ = try b.make(name: "counter") { CounterActor(actorSystem: b) }
            let remote = try CounterActor.resolve(id: .wellKnown("counter", on: NodeId("b")), using: cluster["a"].system)
            #expect(try await remote.increment(by: 5) == 5)
            #expect(try await remote.increment(by: 5) == 10)
            b.release(name: "counter")
            await #expect(throws: FabricError.self) { try await remote.increment(by: 1) }
            _ = try b.make(name: "counter") { CounterActor(actorSystem: b) }
            #expect(try await remote.increment(by: 1) == 1)
        }
    }

    /// Callers on many threads interleave calls to two actors and several methods, so that the
    /// sender's header memo (`CallHeaderMemo`) changes hands between every kind of call: each
    /// call must still reach its own actor and method.
    @Test func interleavedCallsToSeveralActorsAndMethodsEachReachTheirOwn() async throws {
        try await Self.withCluster { cluster in
            let a = cluster["a"].system, b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            _ = try b.make(name: "bystander") { Bystander(actorSystem: b) }
            let greeter = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a)
            let bystander = try Bystander.resolve(id: .wellKnown("bystander", on: NodeId("b")), using: a)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<16 {
                    group.addTask { () async throws -> Void in
                        for round in 0..<50 {
                            switch (caller + round) % 4 {
                            case 0:
                                let answer = try await greeter.greet(Greeting(name: "\(caller)", times: 1))
                                #expect(answer == ["hello \(caller)"])
                            case 1:
                                let answer = try await bystander.poke()
                                #expect(answer == 42)
                            case 2:
                                let answer = try await greeter.identity(round)
                                #expect(answer == round)
                            default:
                                let answer = try await greeter.slow(milliseconds: 0)
                                #expect(answer == 0)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// A call's envelope header goes on the wire before its arguments, though it is written
    /// after them: large arguments (compressed) and checksummed frames must come out whole.
    @Test(arguments: [false, true])
    func largeCompressedArgumentsArriveWhole(checksum: Bool) async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"]) { configuration in
            configuration.compression = true
            configuration.checksum = checksum
        }
        try await cluster.shuttingDown {
            let b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let greeter = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: cluster["a"].system)
            for count in [0, 1, 300, 200_000] {
                let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 / 7) }
                #expect(try await greeter.identity(bytes) == bytes, "\(count) bytes")
            }
            try await withCallOptions(oneWay: true) { try await greeter.append(7) }
            #expect(try await greeter.appended() == [7])
        }
    }

    /// A result too large for a frame becomes a failure reply at once, and touches none of the
    /// replying node's own calls, even one with the same call id (both nodes count from 1).
    @Test func aResultTooLargeForAFrameFailsTheCallerAtOnceAndNothingElse() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"]) { configuration in
            configuration.limits.frameBytesMax = 64 * 1024
        }
        try await cluster.shuttingDown {
            let a = cluster["a"].system, b = cluster["b"].system
            _ = try a.make(name: "greeter") { Greeter(actorSystem: a) }
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let onA = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("a")), using: b)
            let onB = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a)
            let gate = TestGate(), arrived = TestGate()
            _ = try b.make(name: "hanger") { Hanger(actorSystem: b, gate: gate, arrived: arrived) }
            let hanger = try Hanger.resolve(id: .wellKnown("hanger", on: NodeId("b")), using: a)
            // a's first call (id 1) is pending on b while b's first call (id 1) gets a reply too
            // large. "At once": the error is `rejected`, not the `timeout` that waiting for a
            // reply that never comes would end in.
            async let pending = withCallOptions(timeout: .seconds(3600)) { try await hanger.hang() }
            await arrived.wait()
            await #expect {
                _ = try await withCallOptions(timeout: .seconds(3600)) { try await onA.filler(100 * 1024) }
            } throws: { error in
                (error as? FabricError)?.code == .rejected
            }
            gate.open()
            #expect(try await pending == 1)
            #expect(try await onA.filler(1024).count == 1024)
            _ = onB
        }
    }

    /// A call made on a loop and cancelled in the same turn, before the loop flushed it, ends
    /// as cancelled at once rather than running to its end.
    @Test func aCallCancelledBeforeItsFlushEndsCancelledNotCompleted() async throws {
        try await Self.withCluster { cluster in
            let a = cluster["a"].system, b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let greeter = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a)
            let log = LoopLog(actorSystem: a)
            // A call left to run would end "completed", after the 2 s it sleeps.
            #expect(try await log.callAndCancel(greeter) == "cancelled")
        }
    }
}
