import FabricCore
import Testing
@testable import HealthCore

/// The detector's behaviour: what silence, regular heartbeats, pauses and its bounds do to phi.
@Suite struct PhiAccrualDetectorTests {
    typealias Support = HealthTestSupport

    @Test func akkaDefaults() {
        let standard = PhiAccrualConfiguration.standard
        #expect(standard.threshold == 8)
        #expect(standard.maxSampleSize == 1000)
        #expect(standard.minStandardDeviation == .milliseconds(100))
        #expect(standard.acceptableHeartbeatPause == .seconds(3))
        #expect(standard.firstHeartbeatEstimate == .seconds(1))
        #expect(standard.heartbeatInterval == .seconds(1))
        #expect((try? PhiAccrualConfiguration()) == standard)
    }

    @Test func invalidConfigurationsAreRefused() {
        #expect(throws: FabricError.self) { try PhiAccrualConfiguration(threshold: 0) }
        #expect(throws: FabricError.self) { try PhiAccrualConfiguration(threshold: Limits.phiAccrualThresholdMax + 1) }
        #expect(throws: FabricError.self) { try PhiAccrualConfiguration(maxSampleSize: 0) }
        #expect(throws: FabricError.self) { try PhiAccrualConfiguration(maxSampleSize: Limits.phiAccrualSamplesMax + 1) }
        #expect(throws: FabricError.self) { try PhiAccrualConfiguration(minStandardDeviation: .zero) }
        #expect(throws: FabricError.self) { try PhiAccrualConfiguration(acceptableHeartbeatPause: .milliseconds(-1)) }
        #expect(throws: FabricError.self) { try PhiAccrualConfiguration(firstHeartbeatEstimate: .zero) }
        #expect(throws: FabricError.self) { try PhiAccrualConfiguration(heartbeatInterval: .zero) }
        #expect(throws: FabricError.self) { try PhiAccrualConfiguration(threshold: .nan) }
    }

    @Test func beforeTheFirstHeartbeatTheNodeIsAvailable() {
        let detector = PhiAccrualDetector()
        #expect(detector.phi(now: Support.at(milliseconds: 1_000_000)) == 0)
        #expect(detector.isAvailable(now: Support.at(milliseconds: 1_000_000)))
        #expect(detector.unavailableAt == nil)
        #expect(detector.lastHeartbeat == nil)
    }

    @Test func theFirstHeartbeatEstimateSetsTheInitialDistribution() throws {
        var detector = PhiAccrualDetector()
        detector.onHeartbeat(now: Support.at(milliseconds: 0))
        #expect(detector.sampleCount == 2)
        #expect(detector.meanInterval == .seconds(1))
        #expect(detector.intervalStandardDeviation == .milliseconds(250))
        // Mean 1 s + pause 3 s: at 4 s the silence is at the mean, phi = log10(2).
        #expect(abs(detector.phi(now: Support.at(milliseconds: 4000)) - 0.30103) < 1e-4)
        // Threshold 8 is where 1.5976·y + 0.070566·y³ = ln(10⁸ − 1): y ≈ 5.226 deviations of
        // 250 ms past the mean, about 5.307 s.
        let unavailable = try #require(detector.unavailableAt)
        #expect(unavailable > Support.at(milliseconds: 5300) && unavailable < Support.at(milliseconds: 5315))
        // A larger estimate widens the deviation and delays detection.
        var slow = PhiAccrualDetector(configuration: try PhiAccrualConfiguration(firstHeartbeatEstimate: .seconds(2)))
        slow.onHeartbeat(now: Support.at(milliseconds: 0))
        #expect(slow.phi(now: Support.at(milliseconds: 5000)) < 0.31)
        #expect(try #require(slow.unavailableAt) > unavailable + .seconds(1))
    }

    @Test func phiGrowsWithSilence() {
        let detector = Support.regularDetector(count: 50, intervalMilliseconds: 1000)
        let last = 49_000
        var previous = -1.0
        for silence in stride(from: 0, through: 30_000, by: 100) {
            let phi = detector.phi(now: Support.at(milliseconds: last + silence))
            #expect(phi >= previous, "phi fell from \(previous) to \(phi) at \(silence) ms of silence")
            previous = phi
        }
        #expect(previous > 1000)
        #expect(!detector.isAvailable(now: Support.at(milliseconds: last + 30_000)))
    }

    @Test func regularHeartbeatsKeepPhiLow() {
        var detector = PhiAccrualDetector()
        var time = 0
        var random = SeededRandom(seed: 42)
        for _ in 0..<2000 {
            detector.onHeartbeat(now: Support.at(milliseconds: time))
            // Just before the next heartbeat is due phi stays far below the threshold.
            let next = time + Int.random(in: 900...1100, using: &random)
            #expect(detector.phi(now: Support.at(milliseconds: next)) < 1, "seed 42, at \(next) ms")
            time = next
        }
    }

    @Test func theAcceptablePauseIsRespected() throws {
        let detector = Support.regularDetector(count: 100, intervalMilliseconds: 1000)
        let last = 99_000
        // A 3.5 s pause (1 s interval + 2.5 s) is absorbed by the 3 s acceptable pause …
        #expect(detector.isAvailable(now: Support.at(milliseconds: last + 3500)))
        #expect(detector.isAvailable(now: Support.at(milliseconds: last + 4000)))
        // … but without it the same pause is a failure.
        let noPause = try PhiAccrualConfiguration(acceptableHeartbeatPause: .zero)
        let strict = Support.regularDetector(count: 100, intervalMilliseconds: 1000, configuration: noPause)
        #expect(!strict.isAvailable(now: Support.at(milliseconds: last + 3500)))
        // Regular heartbeats: deviation floored at 100 ms, threshold 5.226 of them past 4 s.
        let unavailable = try #require(detector.unavailableAt)
        #expect(unavailable > Support.at(milliseconds: last + 4520) && unavailable < Support.at(milliseconds: last + 4525))
    }

    @Test func unavailableAtIsWherePhiReachesTheThreshold() throws {
        var random = SeededRandom(seed: 7)
        for round in 0..<200 {
            let configuration = try PhiAccrualConfiguration(
                threshold: Double.random(in: 0.1...50, using: &random),
                minStandardDeviation: .milliseconds(Int.random(in: 1...500, using: &random)),
                acceptableHeartbeatPause: .milliseconds(Int.random(in: 0...5000, using: &random)))
            var detector = PhiAccrualDetector(configuration: configuration)
            var time = 0
            for _ in 0..<Int.random(in: 1...30, using: &random) {
                time += Int.random(in: 10...3000, using: &random)
                detector.onHeartbeat(now: Support.at(milliseconds: time))
            }
            let at = try #require(detector.unavailableAt)
            #expect(!detector.isAvailable(now: at), "seed 7 round \(round): phi \(detector.phi(now: at)) at the deadline")
            let before = at + .milliseconds(-1)
            #expect(detector.isAvailable(now: before), "seed 7 round \(round): unavailable 1 ms early")
        }
    }

    @Test func theSampleBoundIsRespected() throws {
        let configuration = try PhiAccrualConfiguration(maxSampleSize: 10)
        var detector = PhiAccrualDetector(configuration: configuration)
        for index in 0...100 { detector.onHeartbeat(now: Support.at(milliseconds: index * 500)) }
        #expect(detector.sampleCount == 10)
        // The seeds (750 ms and 1250 ms) are gone: only 500 ms intervals remain.
        #expect(detector.meanInterval == .milliseconds(500))
        #expect(detector.intervalStandardDeviation == .zero)
        #expect(detector.history.orderedSamples == Array(repeating: 500_000_000, count: 10))
    }

    @Test func anOutageIsNotRecordedAsAnInterval() {
        var detector = Support.regularDetector(count: 20, intervalMilliseconds: 1000)
        let samples = detector.sampleCount
        // 60 s of silence: unavailable when the heartbeat finally arrives, so no 60 s sample.
        detector.onHeartbeat(now: Support.at(milliseconds: 19_000 + 60_000))
        #expect(detector.sampleCount == samples)
        #expect(detector.lastHeartbeat == Support.at(milliseconds: 79_000))
        #expect(detector.isAvailable(now: Support.at(milliseconds: 80_000)))
    }

    @Test func aClockGoingBackIsAZeroInterval() {
        var detector = Support.regularDetector(count: 5, intervalMilliseconds: 1000)
        detector.onHeartbeat(now: Support.at(milliseconds: 1000))
        #expect(detector.lastHeartbeat == Support.at(milliseconds: 4000))
        #expect(detector.history.orderedSamples.last == 0)
        #expect(detector.phi(now: Support.at(milliseconds: 0)) < 1)
    }

    @Test func phiIsAlwaysFinite() {
        let detector = Support.regularDetector(count: 3, intervalMilliseconds: 1)
        for instant in [Instant(nanoseconds: .max), Instant(nanoseconds: 1 << 62), Support.at(milliseconds: 10_000_000)] {
            let phi = detector.phi(now: instant)
            #expect(phi.isFinite && phi > 1000, "phi \(phi)")
        }
        #expect(detector.phi(now: .zero).isFinite)
        #expect(PhiAccrualDetector.phi(silence: 1e300, mean: 0, standardDeviation: 1e-300).isFinite)
        #expect(PhiAccrualDetector.phi(silence: -1e300, mean: 0, standardDeviation: 1e-300) == 0)
    }
}

/// The interval ring's running sums stay exact however long it runs.
@Suite struct IntervalHistoryTests {
    @Test func runningSumsNeverDrift() {
        var random = SeededRandom(seed: 2024)
        var history = IntervalHistory(capacity: 997)
        for step in 0..<40_000 {
            let value = step % 10_000 == 0 ? UInt64.max : UInt64.random(in: 0...5_000_000_000, using: &random)
            history.append(value)
        }
        let samples = history.orderedSamples
        #expect(samples.count == 997)
        #expect(history.sum == samples.reduce(UInt128(0)) { $0 + UInt128($1) }, "seed 2024")
        #expect(history.sumOfSquares == samples.reduce(UInt128(0)) { $0 + UInt128($1) * UInt128($1) }, "seed 2024")
        // An interval past the cap is recorded as the cap.
        history.append(.max)
        #expect(history.orderedSamples.last == Limits.phiAccrualIntervalNanosecondsMax)
        #expect(history.standardDeviationSeconds.isFinite && history.meanSeconds.isFinite)
    }
}
