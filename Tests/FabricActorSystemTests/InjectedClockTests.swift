import Synchronization
import Testing
import FabricTestKit
@testable import Fabric
@testable import FabricActorSystem
import FabricReactor

/// An actor whose `hang` never answers until the test opens its gate, and says when a call
/// has arrived.
distributed actor Hanger {
    typealias ActorSystem = FabricActorSystem
    private let gate: TestGate
    private let arrived: TestGate

    init(actorSystem: ActorSystem, gate: TestGate, arrived: TestGate) {
        self.actorSystem = actorSystem
        self.gate = gate
        self.arrived = arrived
    }

    distributed func hang() async -> Int {
        arrived.open()
        await gate.wait()
        return 1
    }
}

/// Returns once `loop` has fired every timer due at its clock's current time and run what
/// they queued (a resumed call, here): see `afterDueTimers` in the reactor's tests.
func afterDueTimers(on loop: EventLoop) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        loop.execute {
            _ = loop.scheduleTimer(at: .zero) { hop(on: loop, 3, continuation) }
        }
    }
}

private func hop(on loop: EventLoop, _ remaining: Int, _ continuation: CheckedContinuation<Void, Never>) {
    guard remaining > 0 else { return continuation.resume() }
    loop.execute { hop(on: loop, remaining - 1, continuation) }
}

@Suite(.serialized) struct InjectedClockTests {
    /// A call to an actor that never answers fails with `timeout` when the node's ManualClock is
    /// moved to its deadline, and not a millisecond before, however long that takes in wall
    /// time. Before the clock was injected, the deadline was read on `CLOCK_MONOTONIC` and
    /// armed on a wheel running on it: advancing a ManualClock changed nothing.
    @Test func aCallTimesOutWhenTheInjectedClockReachesItsDeadline() async throws {
        let clock = ManualClock()
        let cluster = try await LocalCluster.start(names: ["a", "b"]) { $0.clock = clock }
        let gate = TestGate()
        let arrived = TestGate()
        do {
            let a = cluster["a"].system
            let b = cluster["b"].system
            #expect(a.clock.isSame(as: clock) && a.group.clock.isSame(as: clock))
            _ = try b.make(name: "hanger") { Hanger(actorSystem: b, gate: gate, arrived: arrived) }
            let remote = try Hanger.resolve(id: .wellKnown("hanger", on: NodeId("b")), using: a)
            let loop = a.group.loops[0]  // one loop: the connection's
            let sent = clock.now
            let deadline = sent + a.limits.callTimeoutDefault
            let outcome = Mutex<Result<Int, FabricError>?>(nil)
            // On the loop, so that the failed call resumes there and is seen by `afterDueTimers`.
            let call = Task(executorPreference: loop) {
                let result: Result<Int, FabricError>
                do { result = .success(try await remote.hang()) } catch { result = .failure(error as! FabricError) }
                outcome.withLock { $0 = result }
            }
            await arrived.wait()  // the call is on the wire, its deadline armed

            clock.set(deadline + .milliseconds(-1))
            await afterDueTimers(on: loop)
            #expect(outcome.withLock { $0 } == nil, "the call failed before its deadline")

            clock.set(deadline)
            await call.value
            let result = try #require(outcome.withLock { $0 })
            guard case .failure(let error) = result else {
                Issue.record("expected a timeout, got \(result)")
                return
            }
            #expect(error.code == .timeout)
            #expect(clock.now == deadline)
        } catch {
            gate.open()
            await cluster.shutdown()
            throw error
        }
        gate.open()
        await cluster.shutdown()
    }

    /// A `withCallOptions` scope read on the system clock, used by a node on an injected one,
    /// counts for the budget it had left, on the node's clock (the two clocks' instants do not
    /// compare): 8 s here, past the 5 s default.
    @Test func aScopeOnAnotherClockCountsForItsRemainingBudget() async throws {
        let clock = ManualClock()
        let cluster = try await LocalCluster.start(names: ["a", "b"]) { $0.clock = clock }
        let gate = TestGate()
        let arrived = TestGate()
        do {
            let a = cluster["a"].system
            let b = cluster["b"].system
            _ = try b.make(name: "hanger") { Hanger(actorSystem: b, gate: gate, arrived: arrived) }
            let remote = try Hanger.resolve(id: .wellKnown("hanger", on: NodeId("b")), using: a)
            let loop = a.group.loops[0]
            let outcome = Mutex<FabricError?>(nil)
            let call = Task(executorPreference: loop) {
                do {
                    _ = try await withCallOptions(timeout: .seconds(8)) { try await remote.hang() }
                } catch {
                    outcome.withLock { $0 = error as? FabricError }
                }
            }
            await arrived.wait()
            clock.advance(by: .seconds(6))
            await afterDueTimers(on: loop)
            #expect(outcome.withLock { $0 } == nil, "the call failed before its 8 s")
            clock.advance(by: .seconds(2))
            await call.value
            #expect(outcome.withLock { $0?.code } == .timeout)
        } catch {
            gate.open()
            await cluster.shutdown()
            throw error
        }
        gate.open()
        await cluster.shutdown()
    }

    /// A seeded entropy gives a node the same generation every time.
    @Test func aSeededEntropyGivesAReproducibleGeneration() async throws {
        func generation(seed: UInt64) async throws -> UInt64 {
            var configuration = FabricNodeConfiguration.client(name: try NodeId("g"))
            configuration.entropy = SeededEntropy(seed: seed)
            let node = try FabricNode(configuration)
            let generation = node.generation
            await node.leave()
            return generation
        }
        let first = try await generation(seed: 7)
        #expect(try await generation(seed: 7) == first)
        #expect(try await generation(seed: 8) != first)
        var expected = SeededRandom(seed: 7)
        #expect(first == expected.next())
    }
}
