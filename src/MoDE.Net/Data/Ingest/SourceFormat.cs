using System.Text.Json.Serialization;
using MoDE.Data.Import;

namespace MoDE.Data.Ingest;

/// <summary>How the files of a source are laid out. <see cref="Auto"/> tells by extension (.tar/.tar.gz/.tgz,
/// .csv, .tsv/.tab, .parquet) or, for a folder, by whether it holds .tar shards (else images with sidecar captions).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SourceFormat>))]
public enum SourceFormat
{
    Auto,
    /// <summary>WebDataset tar shards (img2dataset's and MetaCLIP's output).</summary>
    WebDataset,
    Csv,
    Tsv,
    Parquet,
    /// <summary>A folder of images with sidecar .txt captions.</summary>
    Folder,
    /// <summary>Debian's OpenClipart (openclipart-png + openclipart-svg); the source is its root folder.</summary>
    OpenClipart,
}
