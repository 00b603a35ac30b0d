import Glibc
import MoodWeb
import Testing

@Suite struct ClassifyRunnerTests {
    let path = "/tmp/moodd-web.abc/3f2a.wav"

    @Test func resultNamesTheUploadNotTheStoredPath() throws {
        let output = "{\"file\":\"\(path)\",\"label\":\"sad\",\"confidence\":0.8}\n"
        let line = try ClassifyRunner.result(status: 0, reason: "exit", output: output, errors: "", path: path, name: "my song.wav", timeout: 300)
        #expect(line == "{\"file\":\"my song.wav\",\"label\":\"sad\",\"confidence\":0.8}")
    }

    @Test func badFileIsTheCLIsOneLineWithTheUploadsName() {
        let errors = "moodd: \(path): not a recognised audio file (libsndfile: Format not recognised)\n"
        #expect(throws: ClassifyRunner.Failure.badFile("a.wav: not a recognised audio file (libsndfile: Format not recognised)")) {
            try ClassifyRunner.result(status: 1, reason: "exit", output: "", errors: errors, path: path, name: "a.wav", timeout: 300)
        }
    }

    @Test func killedAndCrashedChildrenSaySo() {
        #expect(throws: ClassifyRunner.Failure.failed("classifying took longer than 300 s")) {
            try ClassifyRunner.result(status: SIGKILL, reason: "signal", output: "", errors: "", path: path, name: "a.wav", timeout: 300)
        }
        #expect(throws: ClassifyRunner.Failure.failed("moodd classify crashed (signal 11)")) {
            try ClassifyRunner.result(status: 11, reason: "signal", output: "", errors: "", path: path, name: "a.wav", timeout: 300)
        }
        #expect(throws: ClassifyRunner.Failure.failed("moodd classify printed no result for a.wav")) {
            try ClassifyRunner.result(status: 0, reason: "exit", output: "", errors: "", path: path, name: "a.wav", timeout: 300)
        }
    }

    @Test func modelIsPassedOnlyWhenConfigured() {
        #expect(ClassifyRunner(moodd: "moodd", model: "").arguments == ["classify", "--json", "--timeline"])
        #expect(ClassifyRunner(moodd: "moodd", model: "/m.safetensors").arguments == ["classify", "--json", "--timeline", "--model", "/m.safetensors"])
    }
}
