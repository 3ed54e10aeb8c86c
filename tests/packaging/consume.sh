#!/usr/bin/env bash
# The packages as a user gets them: pack the solution into a folder feed, then, outside the repository,
#  1. a new console app adds MlNetConv.Estimators from that feed, trains LeNet-5 on 3,000 real MNIST digits (the
#     repository's samples/data/mnist), saves the model with ml.Model.Save and writes its held-out predictions;
#     the README snippets are compiled in it as the READMEs show them;
#  2. a second new console app adds the same package, loads the zip with ml.Model.Load (no registration call) and must
#     predict what the first did;
#  3. the MlNetConv.Cli tool is installed from the feed into a folder and `mlnetconv --help`, `--version` and
#     `summary lenet5` must work.
# Packages other than MlNetConv's come from this machine's configured NuGet sources (and its global packages folder,
# read only); MlNetConv's only from the feed, restored into a fresh folder. Exits non-zero on the first failure.
# KEEP=1 keeps the temporary folder.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/tests/packaging"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlnetconv-consume.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then trap 'echo "kept $tmp"' EXIT; else trap 'rm -rf "$tmp"' EXIT; fi
started=$SECONDS

fail() { echo "consume: FAIL: $*" >&2; exit 1; }
# Runs a step with its output in a log, shown only when it fails.
step() {
    local name=$1; shift
    local log="$tmp/logs/$name.log"
    mkdir -p "$tmp/logs"
    if ! "$@" >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        fail "$name (command: $*)"
    fi
}

# 1. Pack the solution: exactly the six libraries and the tool, each with its symbol package.
version=$(dotnet msbuild "$repo/src/Core/MlNetConv.Core.csproj" -getProperty:Version)
feed="$tmp/feed"
step pack dotnet pack "$repo/MlNetConv.sln" -c Release -o "$feed"
expected=$(for id in MlNetConv.Cli MlNetConv.Core MlNetConv.Estimators MlNetConv.Gpu MlNetConv.Onnx MlNetConv.Plots MlNetConv.Transforms MlNetConv.View; do
    echo "$id.$version.nupkg"; echo "$id.$version.snupkg"; done | sort)
actual=$(ls "$feed" | sort)
[[ "$actual" == "$expected" ]] || fail "the solution packs$(printf '\n%s' $actual)
instead of$(printf '\n%s' $expected)"
echo "packed $(ls "$feed" | grep -c '\.nupkg$') packages, version $version: $(ls "$feed" | grep '\.nupkg$' | tr '\n' ' ')"

# Their metadata: licence, readme, authors, a real description; Estimators depends on Core, Gpu, Onnx and Transforms of this version.
python3 - "$feed" "$version" <<'EOF' || fail "package metadata"
import re, sys, zipfile, pathlib
feed, version = pathlib.Path(sys.argv[1]), sys.argv[2]
import xml.etree.ElementTree as ET
problems = []
for package in sorted(feed.glob('*.nupkg')):
    with zipfile.ZipFile(package) as z:
        names = z.namelist()
        spec = ET.fromstring(z.read(next(n for n in names if n.endswith('.nuspec'))))
        for element in spec.iter():
            element.tag = element.tag.split('}')[-1]  # the nuspec namespace varies with the NuGet version
        meta = spec.find('metadata')
        get = lambda tag: (meta.findtext(tag) or '').strip()
        pid = get('id')
        if get('license') != 'MIT': problems.append(f'{pid}: licence {get("license")!r}')
        if get('readme') != 'README.md' or 'README.md' not in names: problems.append(f'{pid}: no README.md')
        elif not z.read('README.md').decode().startswith('# ' + pid): problems.append(f'{pid}: README.md is not its own')
        if get('authors') != 'MlNetConv contributors': problems.append(f'{pid}: authors {get("authors")!r}')
        if get('description') in ('', 'Package Description') or len(get('description')) < 80: problems.append(f'{pid}: description {get("description")!r}')
        deps = {d.get('id'): d.get('version') for d in meta.iter('dependency')}
        if pid == 'MlNetConv.Estimators':
            for dep in ('MlNetConv.Core', 'MlNetConv.Gpu', 'MlNetConv.Onnx', 'MlNetConv.Transforms'):
                if deps.get(dep) != version: problems.append(f'{pid}: depends on {dep} {deps.get(dep)}, not {version}')
        if pid == 'MlNetConv.Transforms' and deps.get('MlNetConv.Plots') != version: problems.append(f'{pid}: depends on MlNetConv.Plots {deps.get("MlNetConv.Plots")}, not {version}')
        if pid == 'MlNetConv.Plots' and set(d for d in deps if d.startswith('MlNetConv.')) != {'MlNetConv.Core'}: problems.append(f'{pid}: depends on {sorted(deps)}, MlNetConv.Core alone of the project')
        if pid == 'MlNetConv.Cli' and not any(n.endswith('DotnetToolSettings.xml') for n in names): problems.append(f'{pid}: not a tool package')
if problems:
    sys.exit('\n'.join(problems))
EOF

# 2. A NuGet configuration for apps outside the repository: MlNetConv.* only from the feed, the rest from the sources
#    configured on this machine; packages restored into a fresh folder, with the machine's global folder as a fallback.
sources=$(cd "$tmp" && dotnet nuget list source --format Short | awk '$1 == "E" { print $2 }')
[[ -n "$sources" ]] || fail "no enabled NuGet source is configured on this machine"
global=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: *//')
{
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<configuration>'
    echo "  <config><add key=\"globalPackagesFolder\" value=\"$tmp/packages\" /></config>"
    echo "  <fallbackPackageFolders><clear /><add key=\"machine\" value=\"$global\" /></fallbackPackageFolders>"
    echo '  <packageSources>'
    echo '    <clear />'
    echo "    <add key=\"mlnetconv-feed\" value=\"$feed\" />"
    n=0; for s in $sources; do n=$((n + 1)); echo "    <add key=\"configured-$n\" value=\"$s\" />"; done
    echo '  </packageSources>'
    echo '  <packageSourceMapping>'
    echo '    <packageSource key="mlnetconv-feed"><package pattern="MlNetConv.*" /></packageSource>'
    n=0; for s in $sources; do n=$((n + 1)); echo "    <packageSource key=\"configured-$n\"><package pattern=\"*\" /></packageSource>"; done
    echo '  </packageSourceMapping>'
    echo '</configuration>'
} >"$tmp/nuget.config"

# Prints a C# file holding the first ```csharp block of a README: its using directives, then the rest as the body of
# a static method CLASS.METHOD(PARAMETERS), so the block compiles exactly as shown.
snippet() {
    local readme=$1 class=$2 method=$3 parameters=$4
    awk '/^```csharp/ && !done { inside = 1; next } inside && /^```/ { inside = 0; done = 1 } inside' "$readme" >"$tmp/block"
    [[ -s "$tmp/block" ]] || fail "no csharp block in $readme"
    grep -E '^using [A-Za-z0-9_.]+;$' "$tmp/block" || true
    echo
    echo "namespace Consumer;"
    echo
    echo "internal static class $class"
    echo "{"
    echo "    public static void $method($parameters)"
    echo "    {"
    grep -vE '^using [A-Za-z0-9_.]+;$' "$tmp/block" | sed '/./,$!d; s/^./        &/'
    echo "    }"
    echo "}"
}

# A new console app with warnings as errors that adds MlNetConv.Estimators from the feed.
new_app() {
    local app=$1
    step "new-$app" dotnet new console -o "$tmp/$app" --framework net10.0 --no-restore
    sed -i 's|<Nullable>enable</Nullable>|<Nullable>enable</Nullable>\n    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>|' "$tmp/$app/$app.csproj"
    grep -q TreatWarningsAsErrors "$tmp/$app/$app.csproj" || fail "could not set TreatWarningsAsErrors in $app.csproj"
    step "add-$app" dotnet add "$tmp/$app/$app.csproj" package MlNetConv.Estimators --version "$version"
    cp "$here/Digit.cs" "$here/$app/Program.cs" "$tmp/$app/"
}

digits="$repo/samples/data/mnist/mnist-digits.bin.gz"
new_app Train
snippet "$repo/README.md" ReadmeSnippet Compile "Microsoft.ML.IDataView train, Microsoft.ML.IDataView test" >"$tmp/Train/ReadmeSnippet.cs"
snippet "$repo/src/Estimators/README.md" EstimatorsReadmeSnippet Compile "Microsoft.ML.IDataView train" >"$tmp/Train/EstimatorsReadmeSnippet.cs"
snippet "$repo/src/Core/README.md" CoreReadmeSnippet Run "" >"$tmp/Train/CoreReadmeSnippet.cs"
[[ -d "$tmp/packages/mlnetconv.estimators/$version" && -d "$tmp/packages/mlnetconv.core/$version" ]] \
    || fail "MlNetConv $version was not restored from the feed (a copy in $global would hide the packed one)"
step build-Train dotnet build "$tmp/Train" -c Release
dotnet run --no-build -c Release --project "$tmp/Train" -- "$digits" "$tmp/model.zip" "$tmp/predictions.txt" >"$tmp/logs/run-Train.log" 2>&1 \
    || { tail -n 40 "$tmp/logs/run-Train.log" >&2; fail "the training app"; }
grep -E '^(trained|saved)' "$tmp/logs/run-Train.log"
# The Core README's network: conv 32x1x3x3 + 32, batch norm 2x32, dense 32x10 + 10.
grep -q '^total params: 714$' "$tmp/logs/run-Train.log" || fail "the Core README snippet printed no summary of its 714 parameters"

new_app Predict
step build-Predict dotnet build "$tmp/Predict" -c Release
dotnet run --no-build -c Release --project "$tmp/Predict" -- "$digits" "$tmp/model.zip" "$tmp/predictions.txt" >"$tmp/logs/run-Predict.log" 2>&1 \
    || { tail -n 40 "$tmp/logs/run-Predict.log" >&2; fail "the loading app"; }
cat "$tmp/logs/run-Predict.log"

# 3. The command line as a tool installed from the feed.
step tool-install dotnet tool install MlNetConv.Cli --version "$version" --tool-path "$tmp/tools" --configfile "$tmp/nuget.config"
cli="$tmp/tools/mlnetconv"
help=$("$cli" --help) || fail "mlnetconv --help exited with $?"
for command in summary compare train evaluate score export; do
    grep -qE "^  $command " <<<"$help" || fail "mlnetconv --help does not list '$command':
$help"
done
cli_version=$("$cli" --version) || fail "mlnetconv --version exited with $?"
[[ "$cli_version" == "$version" || "$cli_version" == "$version+"* ]] || fail "mlnetconv --version says '$cli_version', not $version"
summary=$("$cli" summary lenet5) || fail "mlnetconv summary lenet5 exited with $?"
grep -q 'total params: 61706' <<<"$summary" || fail "mlnetconv summary lenet5 does not give LeNet-5's 61,706 parameters:
$summary"
echo "installed the tool: mlnetconv --version $cli_version, --help lists its 6 commands, summary lenet5 counts 61706 parameters"
echo "consume: ok ($((SECONDS - started)) s)"
