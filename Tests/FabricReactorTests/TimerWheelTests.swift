import FabricReactor
import Testing

/// The wheel on its own, with a 1 ns tick so deadlines are ticks, against a plain model: a list
/// of (deadline, id) that fires everything at or before now, sorted.
@Suite struct TimerWheelTests {
    /// Records fired ids in order.
    final class FiredLog {
        var ids: [Int] = []
    }

    /// Collects and fires what is due at `now`.
    func advance(_ wheel: inout TimerWheel, to now: UInt64) {
        var due: [TimerWheel.DueTimer] = []
        wheel.collectDue(nowNanoseconds: now, into: &due)
        for timer in due {
            wheel.takeWork(for: timer)?()
        }
    }

    @Test func firesInDeadlineOrderAndNeverEarly() {
        var wheel = TimerWheel(originNanoseconds: 0, tickNanoseconds: 1)
        let log = FiredLog()
        let deadlines: [UInt64] = [500, 3, 70_000, 255, 256, 257, 16_384, 1, 1_048_576, 300]
        for (id, deadline) in deadlines.enumerated() {
            _ = wheel.schedule(atNanoseconds: deadline) { log.ids.append(id) }
        }
        advance(&wheel, to: 256)
        #expect(log.ids == [7, 1, 3, 4])
        advance(&wheel, to: 2_000_000)
        #expect(log.ids == [7, 1, 3, 4, 5, 9, 0, 6, 2, 8])
        #expect(wheel.count == 0)
    }

    @Test func equalDeadlinesFireInSchedulingOrder() {
        var wheel = TimerWheel(originNanoseconds: 0, tickNanoseconds: 1)
        let log = FiredLog()
        for id in 0..<50 { _ = wheel.schedule(atNanoseconds: 40_000) { log.ids.append(id) } }
        advance(&wheel, to: 39_999)
        #expect(log.ids.isEmpty)
        advance(&wheel, to: 40_000)
        #expect(log.ids == Array(0..<50))
    }

    @Test func cancelIsIdempotentAndStaleTokensAreIgnored() {
        var wheel = TimerWheel(originNanoseconds: 0, tickNanoseconds: 1)
        let log = FiredLog()
        let first = wheel.schedule(atNanoseconds: 10) { log.ids.append(1) }
        let second = wheel.schedule(atNanoseconds: 20) { log.ids.append(2) }
        let didCancel1 = wheel.cancel(first)
        #expect(didCancel1)
        let didCancel2 = wheel.cancel(first)
        #expect(!didCancel2)
        #expect(wheel.count == 1)
        // The freed node is reused; the old token must not cancel the new timer.
        let third = wheel.schedule(atNanoseconds: 30) { log.ids.append(3) }
        let didCancel3 = wheel.cancel(first)
        #expect(!didCancel3)
        advance(&wheel, to: 100)
        #expect(log.ids == [2, 3])
        let didCancel4 = wheel.cancel(second)
        #expect(!didCancel4)
        let didCancel5 = wheel.cancel(third)
        #expect(!didCancel5)
        #expect(wheel.count == 0)
    }

    @Test func aTimerCancelledWhileDueDoesNotFire() {
        var wheel = TimerWheel(originNanoseconds: 0, tickNanoseconds: 1)
        let log = FiredLog()
        var tokens: [TimerWheel.Token] = []
        for id in 0..<4 {
            tokens.append(wheel.schedule(atNanoseconds: UInt64(10 + id)) { log.ids.append(id) })
        }
        var due: [TimerWheel.DueTimer] = []
        wheel.collectDue(nowNanoseconds: 100, into: &due)
        #expect(due.count == 4)
        wheel.takeWork(for: due[0])?()
        wheel.cancel(tokens[2])  // as if the first timer's work cancelled the third
        for timer in due.dropFirst() { wheel.takeWork(for: timer)?() }
        #expect(log.ids == [0, 1, 3])
    }

    @Test func deadlinesAlreadyPastFireAtTheNextCollection() {
        var wheel = TimerWheel(originNanoseconds: 1_000, tickNanoseconds: 10)
        let log = FiredLog()
        advance(&wheel, to: 5_000)
        _ = wheel.schedule(atNanoseconds: 10) { log.ids.append(1) }
        _ = wheel.schedule(atNanoseconds: 4_999) { log.ids.append(2) }
        #expect(wheel.nextWakeupNanoseconds().map { $0 <= 5_000 } == true)
        advance(&wheel, to: 5_000)
        #expect(log.ids == [1, 2])
    }

    @Test func roundsDeadlinesUpToATick() {
        var wheel = TimerWheel(originNanoseconds: 0, tickNanoseconds: 1_000_000)
        let log = FiredLog()
        _ = wheel.schedule(atNanoseconds: 2_500_000) { log.ids.append(1) }
        #expect(wheel.nextWakeupNanoseconds() == 3_000_000)
        advance(&wheel, to: 2_999_999)
        #expect(log.ids.isEmpty)
        advance(&wheel, to: 3_000_000)
        #expect(log.ids == [1])
    }

    @Test func nextWakeupIsNilWhenEmptyAndNeverAfterTheEarliestDeadline() {
        var wheel = TimerWheel(originNanoseconds: 0, tickNanoseconds: 1)
        #expect(wheel.nextWakeupNanoseconds() == nil)
        let token = wheel.schedule(atNanoseconds: 5_000_000) {}
        _ = wheel.schedule(atNanoseconds: 9_000_000_000) {}
        let wakeup = wheel.nextWakeupNanoseconds()
        #expect(wakeup != nil && wakeup! <= 5_000_000)
        wheel.cancel(token)
        #expect(wheel.nextWakeupNanoseconds().map { $0 <= 9_000_000_000 } == true)
    }

    @Test func deadlinesBeyondTheWheelsReachStillFireOnTime() {
        var wheel = TimerWheel(originNanoseconds: 0, tickNanoseconds: 1)
        let log = FiredLog()
        let far: UInt64 = 1 << 40
        _ = wheel.schedule(atNanoseconds: far) { log.ids.append(1) }
        _ = wheel.schedule(atNanoseconds: .max) { log.ids.append(2) }
        var now: UInt64 = 0
        while now < far - 1 {
            now = min(far - 1, wheel.nextWakeupNanoseconds() ?? far)
            advance(&wheel, to: now)
        }
        #expect(log.ids.isEmpty)
        advance(&wheel, to: far)
        #expect(log.ids == [1])
        #expect(wheel.count == 1)
    }

    /// Random schedules, cancels (some from inside firing timers) and clock steps of every
    /// size against the model; the seed is in the test name's arguments to replay a failure.
    @Test(arguments: [1 as UInt64, 2, 3, 4, 5, 6, 7, 8])
    func matchesAModelUnderRandomOperations(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var wheel = TimerWheel(originNanoseconds: 0, tickNanoseconds: 1)
        let log = FiredLog()
        var model: [(deadline: UInt64, id: Int)] = []
        var tokens: [Int: TimerWheel.Token] = [:]
        var now: UInt64 = 0
        var nextId = 0
        for _ in 0..<3_000 {
            switch UInt8.random(in: 0..<10, using: &generator) {
            case 0...4:
                let range: UInt64 = [300, 20_000, 2_000_000, 100_000_000][Int.random(in: 0..<4, using: &generator)]
                let deadline = now &+ UInt64.random(in: 0...range, using: &generator)
                let id = nextId
                nextId += 1
                tokens[id] = wheel.schedule(atNanoseconds: deadline) { log.ids.append(id) }
                model.append((deadline, id))
            case 5...6:
                guard let victim = model.randomElement(using: &generator) else { continue }
                let didCancel6 = wheel.cancel(tokens[victim.id]!)
                #expect(didCancel6)
                model.removeAll { $0.id == victim.id }
            default:
                let step: UInt64 = [1, 255, 256, 5_000, 70_000, 3_000_000][Int.random(in: 0..<6, using: &generator)]
                now += UInt64.random(in: 0...step, using: &generator)
                log.ids.removeAll()
                advance(&wheel, to: now)
                let expected = model.filter { $0.deadline <= now }.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
                #expect(log.ids == expected.map(\.id), "seed \(seed) at \(now)")
                model.removeAll { $0.deadline <= now }
                if let earliest = model.map(\.deadline).min() {
                    let wakeup = wheel.nextWakeupNanoseconds()
                    #expect(wakeup != nil && wakeup! <= earliest, "seed \(seed): wakeup \(String(describing: wakeup)) after \(earliest)")
                }
            }
            #expect(wheel.count == model.count)
        }
    }

    @Test func handlesAHundredThousandTimers() {
        var wheel = TimerWheel(originNanoseconds: 0, tickNanoseconds: 1_000)
        var generator = SeededGenerator(seed: 42)
        let log = FiredLog()
        var tokens: [TimerWheel.Token] = []
        var deadlines: [UInt64] = []
        for id in 0..<100_000 {
            let deadline = UInt64.random(in: 1...10_000_000_000, using: &generator)
            deadlines.append(deadline)
            tokens.append(wheel.schedule(atNanoseconds: deadline) { log.ids.append(id) })
        }
        for id in stride(from: 0, to: 100_000, by: 2) { wheel.cancel(tokens[id]) }
        #expect(wheel.count == 50_000)
        advance(&wheel, to: 10_000_000_000)
        #expect(log.ids.count == 50_000)
        #expect(log.ids.allSatisfy { $0 % 2 == 1 })
        let firedDeadlines = log.ids.map { deadlines[$0] }
        #expect(firedDeadlines == firedDeadlines.sorted())
        #expect(wheel.count == 0)
    }
}
