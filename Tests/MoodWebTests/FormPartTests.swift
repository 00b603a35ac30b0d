import MoodWeb
import Testing

@Suite struct FormPartTests {
    @Test(arguments: [
        ("form-data; name=\"file\"; filename=\"song.mp3\"", FormPart(name: "file", filename: "song.mp3")),
        ("form-data; name=file; filename=song.mp3", FormPart(name: "file", filename: "song.mp3")),
        ("Form-Data;name=\"file\";filename=\"a; b.ogg\"", FormPart(name: "file", filename: "a; b.ogg")),
        ("form-data; filename=\"say \\\"hi\\\".wav\"; name=\"file\"", FormPart(name: "file", filename: "say \"hi\".wav")),
        ("form-data; name=\"comment\"", FormPart(name: "comment", filename: nil)),
        ("form-data", FormPart()),
    ])
    func parsesContentDisposition(header: String, expected: FormPart) {
        #expect(FormPart(contentDisposition: header) == expected)
    }

    @Test func otherDispositionsAreNotFormData() {
        #expect(FormPart(contentDisposition: "attachment; filename=\"x.wav\"") == nil)
        #expect(FormPart(contentDisposition: "") == nil)
    }

    @Test(arguments: [
        ("song.MP3", "song.MP3", ".mp3"),
        ("C:\\music\\a.flac", "a.flac", ".flac"),
        ("../../etc/passwd", "passwd", ""),
        ("noext", "noext", ""),
        (".hidden", ".hidden", ""),
        ("x.a b", "x.a b", ""),
        ("x.verylongext", "x.verylongext", ""),
        ("", "upload", ""),
    ])
    func displayNameAndExtensionAreSafe(filename: String, name: String, ext: String) {
        let part = FormPart(name: "file", filename: filename)
        #expect(part.displayName == name)
        #expect(part.fileExtension == ext)
    }
}
