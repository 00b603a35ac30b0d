/// What an audio file holds, as libsndfile reports it when the file is opened: the container
/// (`SF_FORMAT_TYPEMASK` part of `SF_INFO.format`) and the sample encoding (`SF_FORMAT_SUBMASK`).
///
/// FLAC files report the PCM width they were encoded from (`.flac` + `.pcm16` / `.pcm24`);
/// MP3 files report `.mpeg` + `.mpegLayer3`.
public struct AudioFileFormat: Sendable, Equatable, CustomStringConvertible {
    public enum Container: Sendable, Equatable {
        /// RIFF WAVE, including WAVE_FORMAT_EXTENSIBLE (libsndfile's WAVEX).
        case wav
        case aiff
        case flac
        case ogg
        /// A bare MPEG-1/2 audio stream (MP1/MP2/MP3), decoded by mpg123.
        case mpeg
        /// Anything else libsndfile reads (RF64, W64, CAF, AU, ...), by libsndfile's name for it.
        case other(String)
    }

    public enum Encoding: Sendable, Equatable {
        case pcmS8, pcmU8, pcm16, pcm24, pcm32
        case float32, float64
        case vorbis, opus
        case mpegLayer1, mpegLayer2, mpegLayer3
        /// Anything else (A-law, u-law, ADPCM, ...), by libsndfile's name for it.
        case other(String)
    }

    public var container: Container
    public var encoding: Encoding

    public init(container: Container, encoding: Encoding) {
        self.container = container
        self.encoding = encoding
    }

    /// E.g. `WAV pcm24`, `OGG opus`, `MPEG mpegLayer3`.
    public var description: String {
        let c: String
        switch container {
        case .wav: c = "WAV"
        case .aiff: c = "AIFF"
        case .flac: c = "FLAC"
        case .ogg: c = "OGG"
        case .mpeg: c = "MPEG"
        case .other(let name): c = name
        }
        if case .other(let name) = encoding { return "\(c) \(name)" }
        return "\(c) \(encoding)"
    }
}
