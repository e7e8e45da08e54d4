<#
.SYNOPSIS
    Driver Verifier recipe for rundown_driver.sys and rundown_peer.sys: turn Verifier on,
    run the stress workload under it, turn it off.

.DESCRIPTION
    UNTESTED BY THIS PROJECT. Its machines run Linux: this script has never been run, on any
    Windows machine. It was written against Microsoft's documentation of verifier.exe (see
    docs/driver-verifier.md for the facts it relies on and what is uncertain) and against
    rundownctl's documented commands. Read it before you run it.

    Run it elevated, from 64-bit PowerShell, on a test-signed Windows 10 (1803 or later) or
    Windows 11 VM that you can afford to crash: Driver Verifier stops the machine with a bug
    check when it catches a violation. Driver Verifier settings take effect at boot, hence the
    phases:

      -Phase Enable    verifier /ruleclasses <classes> /driver rundown_driver.sys rundown_peer.sys
                       then reboot (-Reboot does it).
      -Phase Run       checks the settings are in force, installs and starts both drivers, runs
                       `rundown-stress stress` with the peer active, then the workloads aimed at
                       issue 8's defect classes (overlapped clients killed mid-request, a process
                       killed while its ROTATE is pending, the peer at DISPATCH_LEVEL from a
                       timer DPC under stress, peer-stop/owner-stop cycles in both orders),
                       stops and removes both drivers,
                       collects verifier /query, rundownctl stats and System events into a folder
                       and prints a verdict. Exit 0 PASS, 1 FAIL (or error), 3 INCONCLUSIVE.
      -Phase Disable   verifier /reset, then reboot (-Reboot does it).

    Rule sets (-RuleSet). Microsoft documents Deadlock Detection (6) as incompatible with Kernel
    synchronization delay fuzzing (24), so they are two runs, each one Enable/reboot/Run:
      Deadlock      1 2 4 5 6 18 20   special pool, force IRQL checking, pool tracking,
                                      I/O verification, deadlock detection, DDI compliance
                                      checking and its additional rules
      DelayFuzzing  1 2 4 5 18 20 24  the same without 6, with kernel synchronization delay
                                      fuzzing
    -RuleClasses overrides the set (for instance without 20 and 24, which Microsoft documents as
    deprecated from Windows 10 build 19042 on, should verifier refuse them).

    If the machine bug-checks during Run, the script never reaches its verdict. Run it again
    after the reboot: it finds the unfinished run, copies the new minidumps and the BugCheck
    events into that run's folder, and reports FAIL.

.EXAMPLE
    .\verifier.ps1 -Phase Enable -Reboot
    .\verifier.ps1 -Phase Run -PackageDir C:\rundown -RundownCtl C:\rundown\rundownctl.exe -StressSeconds 600
    .\verifier.ps1 -Phase Disable -Reboot
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('Enable', 'Run', 'Disable')]
    [string] $Phase,

    # Folder holding rundown_driver.sys (the cargo make package folder, copied to the VM).
    [string] $PackageDir = '.',

    # Folder holding rundown_peer.sys, if not the same as -PackageDir.
    [string] $PeerPackageDir = '',

    # rundownctl.exe: a path, or a name found on PATH.
    [string] $RundownCtl = 'rundownctl.exe',

    # rundown-stress.exe, the test tool (stress, churn, cycles): a path, or a name found on PATH.
    [string] $StressTool = 'rundown-stress.exe',

    [ValidateRange(1, 86400)]
    [int] $StressSeconds = 300,

    [ValidateRange(1, 1024)]
    [int] $Clients = 8,

    [ValidateRange(0, 3600000)]
    [int] $RotateEveryMs = 50,

    # Rounds of two overlapped `churn` clients killed mid-request.
    [ValidateRange(0, 1000)]
    [int] $ChurnRounds = 10,

    # Seconds of stress while the peer runs at DISPATCH_LEVEL from a timer DPC.
    [ValidateRange(1, 86400)]
    [int] $DispatchStressSeconds = 120,

    # Peer-stop/owner-stop cycles in each order after the teardown (0: none).
    [ValidateRange(0, 10000)]
    [int] $Cycles = 20,

    [ValidateSet('Deadlock', 'DelayFuzzing')]
    [string] $RuleSet = 'Deadlock',

    # Overrides -RuleSet: the decimal rule class IDs to pass to verifier /ruleclasses.
    [ValidateRange(1, 64)]
    [int[]] $RuleClasses = @(),

    # Where every phase keeps its state file and writes its evidence folders. Keep it the same
    # for all three phases; the default does not depend on the current directory.
    [string] $OutDir = (Join-Path $env:SystemDrive 'rundown-verifier'),

    # Enable/Disable: restart the computer at the end instead of asking you to.
    [switch] $Reboot,

    # Run: go on even if `verifier /querysettings` cannot be read as showing every rule class
    # enabled, or `verifier /query` does not list the loaded drivers (their formats differ
    # between Windows versions). /querysettings must still list both drivers.
    [switch] $SkipSettingsCheck,

    # Time limit for each ordinary command (the stress gets -StressSeconds + 300).
    [ValidateRange(10, 3600)]
    [int] $CommandTimeoutSeconds = 180
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

# ------------------------------------------------------------------------------- constants

$OwnerImage = 'rundown_driver.sys'
$PeerImage = 'rundown_peer.sys'
$OwnerService = 'RundownShared'
$PeerService = 'RundownPeer'
$PeerDevice = '\\.\RundownPeer'
$Images = @($OwnerImage, $PeerImage)

$RuleSets = @{
    'Deadlock'     = @(1, 2, 4, 5, 6, 18, 20)
    'DelayFuzzing' = @(1, 2, 4, 5, 18, 20, 24)
}

# How each rule class is named in verifier's output (regular expressions, case-insensitive).
# Classes 20 and 24 are documented as deprecated from Windows 10 build 19042: their absence
# from the settings is a warning, not a failure.
$RuleNames = @{
    1  = @{ Name = 'Special pool'; Pattern = 'Special pool'; Optional = $false }
    2  = @{ Name = 'Force IRQL checking'; Pattern = 'Force IRQL checking'; Optional = $false }
    4  = @{ Name = 'Pool tracking'; Pattern = 'Pool tracking'; Optional = $false }
    5  = @{ Name = 'I/O verification'; Pattern = '(?<!Enhanced )I/O verification'; Optional = $false }
    6  = @{ Name = 'Deadlock detection'; Pattern = 'Deadlock detection'; Optional = $false }
    18 = @{ Name = 'DDI compliance checking'; Pattern = 'DDI compliance checking(?!\W{1,4}additional)'; Optional = $false }
    20 = @{ Name = 'DDI compliance checking (additional)'; Pattern = 'DDI compliance checking\W{1,4}additional'; Optional = $true }
    24 = @{ Name = 'Kernel synchronization delay fuzzing'; Pattern = 'Kernel synchronization delay fuzzing'; Optional = $true }
}

# verifier.exe's documented exit codes: 0 EXIT_CODE_SUCCESS, 1 EXIT_CODE_ERROR,
# 2 EXIT_CODE_REBOOT_NEEDED.
$VerifierOk = @(0, 2)

# ------------------------------------------------------------------------------- helpers

$script:LogFile = $null
$script:Failures = New-Object System.Collections.Generic.List[string]
$script:Warnings = New-Object System.Collections.Generic.List[string]
$script:Step = ''
$script:RunDir = $null
$script:OutRoot = $null

function Write-Log([string] $Text) {
    $line = '[{0}] {1}' -f (Get-Date -Format 'yyyy-MM-dd HH:mm:ss'), $Text
    Write-Host $line
    if ($script:LogFile) { [System.IO.File]::AppendAllText($script:LogFile, $line + "`r`n") }
}

function Add-Failure([string] $Text) {
    $script:Failures.Add($Text)
    Write-Host "FAIL: $Text" -ForegroundColor Red
    if ($script:LogFile) { [System.IO.File]::AppendAllText($script:LogFile, "FAIL: $Text`r`n") }
}

function Add-Warning([string] $Text) {
    $script:Warnings.Add($Text)
    Write-Host "WARNING: $Text" -ForegroundColor Yellow
    if ($script:LogFile) { [System.IO.File]::AppendAllText($script:LogFile, "WARNING: $Text`r`n") }
}

function Stop-WithError([string] $Text) {
    Write-Host "verifier.ps1: $Text" -ForegroundColor Red
    if ($script:LogFile) { [System.IO.File]::AppendAllText($script:LogFile, "ERROR: $Text`r`n") }
    exit 1
}

function Save-Text([string] $Dir, [string] $Name, [string] $Text) {
    $path = Join-Path $Dir $Name
    [System.IO.File]::WriteAllText($path, $Text, (New-Object System.Text.UTF8Encoding($false)))
    $path
}

function Get-FullPath([string] $Path) {
    $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
}

# Quotes one argument for a Windows command line (the CommandLineToArgvW rules), since
# Windows PowerShell 5.1 has no ProcessStartInfo.ArgumentList.
function ConvertTo-CommandLineArgument([string] $Argument) {
    if ($Argument.Length -gt 0 -and $Argument -notmatch '[\s"]') { return $Argument }
    $builder = New-Object System.Text.StringBuilder
    [void] $builder.Append([char] '"')
    $backslashes = 0
    foreach ($c in $Argument.ToCharArray()) {
        if ($c -eq [char] '\') { $backslashes++; continue }
        if ($c -eq [char] '"') {
            [void] $builder.Append([char] '\', 2 * $backslashes + 1)
        } elseif ($backslashes -gt 0) {
            [void] $builder.Append([char] '\', $backslashes)
        }
        [void] $builder.Append($c)
        $backslashes = 0
    }
    if ($backslashes -gt 0) { [void] $builder.Append([char] '\', 2 * $backslashes) }
    [void] $builder.Append([char] '"')
    $builder.ToString()
}

# Runs a program, captures stdout and stderr, enforces a time limit and checks the exit code.
# Throws on a disallowed exit code or a timeout unless -AnyExitCode; saves the output to
# $SaveAs in $script:RunDir when given. verifier's output may be UTF-16: NULs are dropped.
function Invoke-Tool {
    param(
        [Parameter(Mandatory = $true)] [string] $Label,
        [Parameter(Mandatory = $true)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [int[]] $OkExitCodes = @(0),
        [switch] $AnyExitCode,
        [int] $TimeoutSeconds = $CommandTimeoutSeconds,
        [string[]] $InputLines = @(),
        [string] $SaveAs = ''
    )
    $argLine = (@($ArgumentList | ForEach-Object { ConvertTo-CommandLineArgument $_ })) -join ' '
    Write-Log ("{0}: {1} {2}" -f $Label, $FilePath, $argLine)
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $FilePath
    $psi.Arguments = $argLine
    $psi.UseShellExecute = $false
    $psi.CreateNoWindow = $true
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    try {
        $process = [System.Diagnostics.Process]::Start($psi)
    } catch {
        throw ("{0}: cannot start {1}: {2}" -f $Label, $FilePath, $_.Exception.Message)
    }
    $outTask = $process.StandardOutput.ReadToEndAsync()
    $errTask = $process.StandardError.ReadToEndAsync()
    foreach ($line in $InputLines) { $process.StandardInput.WriteLine($line) }
    $process.StandardInput.Close()
    if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
        Write-Log ("{0}: no exit after {1} s; ending process {2} and its children" -f $Label, $TimeoutSeconds, $process.Id)
        & "$env:SystemRoot\System32\taskkill.exe" /PID $process.Id /T /F | Out-Null
        if ($LASTEXITCODE -ne 0) { try { $process.Kill() } catch { } }
        [void] $process.WaitForExit(10000)
        throw ("{0}: timed out after {1} s ({2} {3})" -f $Label, $TimeoutSeconds, $FilePath, $argLine)
    }
    $process.WaitForExit()
    $stdout = $outTask.Result -replace "`0", ''
    $stderr = $errTask.Result -replace "`0", ''
    $code = $process.ExitCode
    Write-Log ("{0}: exit code {1}" -f $Label, $code)
    if ($SaveAs -and $script:RunDir) {
        $text = "> $FilePath $argLine`r`n> exit code $code`r`n`r`n$stdout"
        if ($stderr.Trim()) { $text += "`r`n--- stderr ---`r`n$stderr" }
        [void] (Save-Text $script:RunDir $SaveAs $text)
    }
    if (-not $AnyExitCode -and ($OkExitCodes -notcontains $code)) {
        $detail = ($stderr.Trim(), $stdout.Trim() | Where-Object { $_ } | Select-Object -First 1)
        throw ("{0} failed with exit code {1} (allowed: {2}): {3}" -f $Label, $code, ($OkExitCodes -join ', '), $detail)
    }
    [pscustomobject] @{ ExitCode = $code; StdOut = $stdout; StdErr = $stderr }
}

function Get-SystemEvents([hashtable] $Filter) {
    try {
        @(Get-WinEvent -FilterHashtable $Filter -ErrorAction Stop)
    } catch {
        if ($_.FullyQualifiedErrorId -like 'NoMatchingEventsFound*') { @() } else { throw }
    }
}

function Format-Events($Events) {
    if (-not $Events -or @($Events).Count -eq 0) { return "(none)`r`n" }
    $properties = @('TimeCreated', 'Id', 'ProviderName', 'LevelDisplayName', 'Message')
    @($Events) | Format-List -Property $properties | Out-String -Width 4096
}

function Test-Administrator {
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    (New-Object Security.Principal.WindowsPrincipal($identity)).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

function Test-ServiceExists([string] $Name) {
    Test-Path -LiteralPath ("HKLM:\SYSTEM\CurrentControlSet\Services\{0}" -f $Name)
}

function ConvertFrom-VerifierNumber([string] $Text) {
    $t = $Text.Trim().TrimEnd(',', ';', '.')
    if ($t -match '^0x([0-9a-fA-F]+)$') { return [Convert]::ToUInt64($Matches[1], 16) }
    if ($t -match '^[0-9]+$') { return [UInt64] $t }
    $null
}

# State of one rule in `verifier /querysettings` output: Enabled, Disabled, Absent or Unknown.
# Newer verifiers mark lines "[X] ..." / "[ ] ...", older ones "Name: Enabled/Disabled"; an
# output with no marker at all is taken as a list of what is enabled.
function Get-RuleState([string] $Text, [string] $Pattern) {
    $lines = @($Text -split "`r?`n")
    $markerRegex = '\[\s*[xX]?\s*\]|:\s*(Enabled|Disabled)\b'
    $hasMarkers = @($lines | Where-Object { $_ -match $markerRegex }).Count -gt 0
    $hits = @($lines | Where-Object { $_ -match $Pattern })
    if ($hits.Count -eq 0) { return 'Absent' }
    if (-not $hasMarkers) { return 'Enabled' }
    if (@($hits | Where-Object { $_ -match '\[\s*[xX]\s*\]|:\s*Enabled\b' }).Count -gt 0) { return 'Enabled' }
    if (@($hits | Where-Object { $_ -match '\[\s*\]|:\s*Disabled\b' }).Count -eq $hits.Count) { return 'Disabled' }
    'Unknown'
}

# Pool tracking counters per driver from `verifier /query` output. The output's format differs
# between Windows versions ("Name: x.sys, loads: 1, unloads: 1" followed by
# "CurrentPagedPoolAllocations: 0" lines, or "Current Pool Allocations: ( 0x0 / 0x0 )" under
# the module name): each counter line is credited to the last .sys name seen before it.
function Get-DriverPoolCounters([string] $Text, [string[]] $Names) {
    $result = @{}
    foreach ($n in $Names) {
        $result[$n] = [pscustomobject] @{ Found = $false; Loads = $null; Unloads = $null; CurrentAllocations = $null; CurrentBytes = $null }
    }
    $current = $null
    foreach ($line in @($Text -split "`r?`n")) {
        $m = [regex]::Match($line, '([A-Za-z0-9_.\-]+\.sys)\b', 'IgnoreCase')
        if ($m.Success) {
            $current = $null
            foreach ($n in $Names) { if ($m.Groups[1].Value -ieq $n) { $current = $n } }
            if ($current) { $result[$current].Found = $true }
        }
        if (-not $current) { continue }
        $c = $result[$current]
        if ($line -match '\bloads:\s*([0-9]+)') { $c.Loads = [int] $Matches[1] }
        if ($line -match '\bunloads:\s*([0-9]+)') { $c.Unloads = [int] $Matches[1] }
        $allocs = @()
        $bytes = @()
        if ($line -match '\bCurrentPagedPoolAllocations:\s*(\S+)') { $allocs += $Matches[1] }
        if ($line -match '\bCurrentNonPagedPoolAllocations:\s*(\S+)') { $allocs += $Matches[1] }
        if ($line -match 'Current Pool Allocations:\s*\(\s*(\S+)\s*/\s*(\S+)\s*\)') { $allocs += $Matches[1], $Matches[2] }
        if ($line -match '\bPagedPoolUsageInBytes:\s*(\S+)') { $bytes += $Matches[1] }
        if ($line -match '\bNonPagedPoolUsageInBytes:\s*(\S+)') { $bytes += $Matches[1] }
        if ($line -match 'Current Pool Bytes:\s*\(\s*(\S+)\s*/\s*(\S+)\s*\)') { $bytes += $Matches[1], $Matches[2] }
        foreach ($v in $allocs) {
            $num = ConvertFrom-VerifierNumber $v
            if ($null -ne $num) { if ($null -eq $c.CurrentAllocations) { $c.CurrentAllocations = [UInt64] 0 }; $c.CurrentAllocations += $num }
        }
        foreach ($v in $bytes) {
            $num = ConvertFrom-VerifierNumber $v
            if ($null -ne $num) { if ($null -eq $c.CurrentBytes) { $c.CurrentBytes = [UInt64] 0 }; $c.CurrentBytes += $num }
        }
    }
    $result
}

function Format-Counters($Counters) {
    ($Images | ForEach-Object {
        $c = $Counters[$_]
        '{0}: listed={1} loads={2} unloads={3} current_allocations={4} current_bytes={5}' -f $_, $c.Found, $c.Loads, $c.Unloads, $c.CurrentAllocations, $c.CurrentBytes
    }) -join "`r`n"
}

function Read-State([string] $Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return $null }
    Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json
}

function New-RunDir([string] $Prefix) {
    $dir = Join-Path $script:OutRoot ('{0}-{1}' -f $Prefix, (Get-Date -Format 'yyyyMMdd-HHmmss'))
    [void] (New-Item -ItemType Directory -Path $dir -Force)
    $dir
}

function Request-Reboot([string] $Why) {
    if ($Reboot) {
        Write-Log "$Why Restarting now."
        Restart-Computer -Force
    } else {
        Write-Host ''
        Write-Host "$Why Reboot now (Restart-Computer), then continue." -ForegroundColor Cyan
    }
}

function Resolve-Program([string] $Program) {
    if (Test-Path -LiteralPath $Program -PathType Leaf) { return (Resolve-Path -LiteralPath $Program).ProviderPath }
    $cmd = Get-Command $Program -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($cmd) { return $cmd.Path }
    $null
}

function Resolve-RundownCtl { Resolve-Program $RundownCtl }

# ------------------------------------------------------------------------------- preflight

if (-not (Test-Administrator)) { Stop-WithError 'run this from an elevated PowerShell (Run as administrator).' }
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
    Stop-WithError 'run this from 64-bit PowerShell: a 32-bit one is redirected to SysWOW64.'
}
$Verifier = Join-Path $env:SystemRoot 'System32\verifier.exe'
if (-not (Test-Path -LiteralPath $Verifier -PathType Leaf)) { Stop-WithError "no $Verifier on this machine." }

$script:OutRoot = Get-FullPath $OutDir
[void] (New-Item -ItemType Directory -Path $script:OutRoot -Force)
$StateFile = Join-Path $script:OutRoot 'verifier-state.json'
$MarkerFile = Join-Path $script:OutRoot 'run-in-progress.json'
$os = Get-CimInstance Win32_OperatingSystem
$build = [int] $os.BuildNumber

# ------------------------------------------------------------------------------- Enable

if ($Phase -eq 'Enable') {
    $script:RunDir = New-RunDir 'enable'
    $script:LogFile = Join-Path $script:RunDir 'commands.log'
    if ($build -lt 17134) {
        Stop-WithError "Windows build ${build}: verifier /ruleclasses needs Windows 10 version 1803 (build 17134) or later."
    }
    $classes = if ($RuleClasses.Count -gt 0) { $RuleClasses } else { $RuleSets[$RuleSet] }
    if ($classes -contains 6 -and $classes -contains 24) {
        Add-Warning 'rule classes 6 (deadlock detection) and 24 (kernel synchronization delay fuzzing) are documented as incompatible.'
    }
    if ($build -ge 19042 -and (($classes -contains 20) -or ($classes -contains 24))) {
        Add-Warning "Windows build ${build}: Microsoft documents DDI compliance checking (additional) and kernel synchronization delay fuzzing as deprecated from build 19042; verifier may ignore or refuse 20 and 24 (then rerun with -RuleClasses without them)."
    }
    $existing = Read-State $StateFile
    if ($existing) { Add-Warning ('replacing the settings of an earlier Enable ({0}, rule classes {1}).' -f $existing.enabledAt, ($existing.ruleClasses -join ' ')) }

    $args1 = @('/ruleclasses') + @($classes | ForEach-Object { [string] $_ }) + @('/driver') + $Images
    try {
        [void] (Invoke-Tool -Label 'verifier /ruleclasses' -FilePath $Verifier -ArgumentList $args1 -OkExitCodes $VerifierOk -SaveAs 'verifier-ruleclasses.txt')
        $settings = Invoke-Tool -Label 'verifier /querysettings' -FilePath $Verifier -ArgumentList @('/querysettings') -OkExitCodes $VerifierOk -SaveAs 'verifier-querysettings.txt'
    } catch {
        Stop-WithError $_.Exception.Message
    }
    foreach ($image in $Images) {
        if ($settings.StdOut -notmatch [regex]::Escape($image)) {
            Stop-WithError "verifier /querysettings does not list $image among the drivers to verify; see $(Join-Path $script:RunDir 'verifier-querysettings.txt')."
        }
    }
    foreach ($id in $classes) {
        if ($RuleNames.ContainsKey($id)) {
            Write-Log ('after the next boot: rule class {0} ({1}): {2}' -f $id, $RuleNames[$id].Name, (Get-RuleState $settings.StdOut $RuleNames[$id].Pattern))
        }
    }
    $state = [ordered] @{
        ruleSet     = $(if ($RuleClasses.Count -gt 0) { 'custom' } else { $RuleSet })
        ruleClasses = @($classes)
        drivers     = $Images
        enabledAt   = (Get-Date).ToUniversalTime().ToString('o')
        windows     = '{0} build {1}' -f $os.Caption, $build
    }
    [void] (Save-Text $script:OutRoot 'verifier-state.json' ($state | ConvertTo-Json))
    Write-Log ('Driver Verifier set for {0} with rule classes {1}; evidence in {2}' -f ($Images -join ', '), ($classes -join ' '), $script:RunDir)
    Request-Reboot 'The settings take effect at the next boot.'
    exit 0
}

# ------------------------------------------------------------------------------- Disable

if ($Phase -eq 'Disable') {
    $script:RunDir = New-RunDir 'disable'
    $script:LogFile = Join-Path $script:RunDir 'commands.log'
    try {
        [void] (Invoke-Tool -Label 'verifier /reset' -FilePath $Verifier -ArgumentList @('/reset') -OkExitCodes $VerifierOk -SaveAs 'verifier-reset.txt')
        [void] (Invoke-Tool -Label 'verifier /querysettings' -FilePath $Verifier -ArgumentList @('/querysettings') -OkExitCodes $VerifierOk -SaveAs 'verifier-querysettings.txt')
    } catch {
        Stop-WithError $_.Exception.Message
    }
    # Services left behind by a run that bug-checked.
    $ctl = Resolve-RundownCtl
    foreach ($service in @($PeerService, $OwnerService)) {
        if (Test-ServiceExists $service) {
            if ($ctl) {
                try {
                    [void] (Invoke-Tool -Label "uninstall $service" -FilePath $ctl -ArgumentList @('--name', $service, 'uninstall', '--timeout', '60') -TimeoutSeconds 120)
                } catch {
                    Add-Warning $_.Exception.Message
                }
            } else {
                Add-Warning "service $service is still installed and rundownctl was not found: remove it with sc.exe delete $service."
            }
        }
    }
    if (Test-Path -LiteralPath $StateFile) { Remove-Item -LiteralPath $StateFile }
    if (Test-Path -LiteralPath $MarkerFile) { Remove-Item -LiteralPath $MarkerFile }
    Write-Log "Driver Verifier settings cleared; evidence in $($script:RunDir)"
    Request-Reboot 'Driver Verifier stays active until the next boot.'
    exit 0
}

# ------------------------------------------------------------------------------- Run

# A run that did not finish: the machine most likely bug-checked. Report it before anything else.
if (Test-Path -LiteralPath $MarkerFile) {
    $marker = Get-Content -LiteralPath $MarkerFile -Raw | ConvertFrom-Json
    $since = [DateTime]::Parse($marker.startedAt, $null, [Globalization.DateTimeStyles]::RoundtripKind).ToLocalTime()
    $dir = $marker.runDir
    if (-not (Test-Path -LiteralPath $dir)) { $dir = New-RunDir 'crash' }
    $script:RunDir = $dir
    $script:LogFile = Join-Path $dir 'commands.log'
    Write-Log "The run started at $since did not finish: looking for a bug check."
    $bugchecks = Get-SystemEvents @{ LogName = 'System'; ProviderName = 'Microsoft-Windows-WER-SystemErrorReporting'; Id = 1001; StartTime = $since }
    $power = Get-SystemEvents @{ LogName = 'System'; ProviderName = 'Microsoft-Windows-Kernel-Power'; Id = 41; StartTime = $since }
    [void] (Save-Text $dir 'bugcheck-events.txt' ((Format-Events $bugchecks) + "`r`n" + (Format-Events $power)))
    $dumps = @()
    $miniDir = Join-Path $env:SystemRoot 'Minidump'
    if (Test-Path -LiteralPath $miniDir) {
        $dumps = @(Get-ChildItem -LiteralPath $miniDir -Filter '*.dmp' | Where-Object { $_.LastWriteTime -ge $since })
        foreach ($d in $dumps) { Copy-Item -LiteralPath $d.FullName -Destination $dir }
    }
    $memoryDmp = Join-Path $env:SystemRoot 'MEMORY.DMP'
    $bigDump = if ((Test-Path -LiteralPath $memoryDmp) -and ((Get-Item -LiteralPath $memoryDmp).LastWriteTime -ge $since)) { $memoryDmp } else { '(none newer than the run)' }
    $rebooted = $os.LastBootUpTime -ge $since
    $how = if ($rebooted) { 'the machine restarted since: a bug check is the likely cause' } else { 'no restart since: the script was interrupted, not a bug check' }
    $lines = @(
        'VERDICT: FAIL (the run did not finish)',
        "started: $since; $how",
        ('BugCheck events since then: {0}' -f @($bugchecks).Count),
        ('minidumps copied here: {0}' -f (($dumps | ForEach-Object { $_.Name }) -join ', ')),
        "kernel memory dump: $bigDump",
        'Open a dump with WinDbg and run !analyze -v (see docs/driver-verifier.md).'
    )
    [void] (Save-Text $dir 'verdict.txt' ($lines -join "`r`n"))
    Remove-Item -LiteralPath $MarkerFile
    $lines | ForEach-Object { Write-Host $_ -ForegroundColor Red }
    Write-Host "Evidence: $dir. Services left installed are removed by the next Run or by -Phase Disable."
    exit 1
}

$script:RunDir = New-RunDir 'run'
$script:LogFile = Join-Path $script:RunDir 'commands.log'
$runStart = Get-Date

$state = Read-State $StateFile
if (-not $state) { Stop-WithError "no ${StateFile}: run -Phase Enable first (with the same -OutDir), then reboot." }
$enabledAt = [DateTime]::Parse($state.enabledAt, $null, [Globalization.DateTimeStyles]::RoundtripKind).ToUniversalTime()
if ($os.LastBootUpTime.ToUniversalTime() -lt $enabledAt) {
    Stop-WithError "the machine has not rebooted since -Phase Enable ($($state.enabledAt)): the settings are not in force yet."
}
$classes = @($state.ruleClasses | ForEach-Object { [int] $_ })

$ctl = Resolve-RundownCtl
if (-not $ctl) { Stop-WithError "rundownctl not found: '$RundownCtl' (give -RundownCtl PATH)." }
$stressTool = Resolve-Program $StressTool
if (-not $stressTool) { Stop-WithError "rundown-stress not found: '$StressTool' (give -StressTool PATH)." }
$pkg = Get-FullPath $PackageDir
$peerPkg = if ($PeerPackageDir) { Get-FullPath $PeerPackageDir } else { $pkg }
$ownerSys = Join-Path $pkg $OwnerImage
$peerSys = Join-Path $peerPkg $PeerImage
foreach ($f in @($ownerSys, $peerSys)) {
    if (-not (Test-Path -LiteralPath $f -PathType Leaf)) { Stop-WithError "no $f (give -PackageDir / -PeerPackageDir)." }
}

Write-Log ("Windows: {0} build {1}; last boot {2}" -f $os.Caption, $build, $os.LastBootUpTime)
Write-Log ("rule set: {0} ({1}); enabled {2}" -f $state.ruleSet, ($classes -join ' '), $state.enabledAt)
Write-Log "evidence folder: $($script:RunDir)"

# rundownctl must have the commands this run needs (clap: --help exits 0, an unknown
# subcommand exits 2).
try {
    [void] (Invoke-Tool -Label 'rundownctl --version' -FilePath $ctl -ArgumentList @('--version') -SaveAs 'rundownctl-version.txt')
    foreach ($sub in @('peer-start', 'peer-stop', 'peer-stats')) {
        [void] (Invoke-Tool -Label "rundownctl $sub --help" -FilePath $ctl -ArgumentList @($sub, '--help'))
    }
    foreach ($sub in @('stress', 'churn', 'cycles')) {
        [void] (Invoke-Tool -Label "rundown-stress $sub --help" -FilePath $stressTool -ArgumentList @($sub, '--help'))
    }
} catch {
    Stop-WithError ("this rundownctl cannot run the workload: {0}" -f $_.Exception.Message)
}

# The settings that were to take effect at this boot.
try {
    $settings = Invoke-Tool -Label 'verifier /querysettings' -FilePath $Verifier -ArgumentList @('/querysettings') -OkExitCodes $VerifierOk -SaveAs 'verifier-querysettings.txt'
} catch {
    Stop-WithError $_.Exception.Message
}
foreach ($image in $Images) {
    if ($settings.StdOut -notmatch [regex]::Escape($image)) {
        Stop-WithError "verifier /querysettings does not list ${image}: run -Phase Enable again, then reboot."
    }
}
foreach ($id in $classes) {
    if (-not $RuleNames.ContainsKey($id)) { Write-Log "rule class ${id}: not checked by this script"; continue }
    $rule = $RuleNames[$id]
    $ruleState = Get-RuleState $settings.StdOut $rule.Pattern
    Write-Log ('rule class {0} ({1}): {2}' -f $id, $rule.Name, $ruleState)
    if ($ruleState -eq 'Enabled') { continue }
    if ($rule.Optional) {
        Add-Warning ("rule class {0} ({1}) is not shown enabled ({2}): documented as deprecated from build 19042; the run goes on without it." -f $id, $rule.Name, $ruleState)
    } elseif ($SkipSettingsCheck) {
        Add-Warning ("rule class {0} ({1}) is not shown enabled ({2}); going on because of -SkipSettingsCheck." -f $id, $rule.Name, $ruleState)
    } else {
        Stop-WithError ("verifier /querysettings does not show rule class {0} ({1}) enabled (it reads {2}); see {3}. If its format is one this script does not know, check by eye and rerun with -SkipSettingsCheck." -f $id, $rule.Name, $ruleState, (Join-Path $script:RunDir 'verifier-querysettings.txt'))
    }
}

[void] (Save-Text $script:OutRoot 'run-in-progress.json' (([ordered] @{ startedAt = $runStart.ToUniversalTime().ToString('o'); runDir = $script:RunDir }) | ConvertTo-Json))

$ownerInstalled = $false; $peerInstalled = $false
$ownerStarted = $false; $peerStarted = $false; $peerActive = $false
$ownerStopped = $false; $peerStopped = $false
$stressResult = $null
$logProcess = $null

function Invoke-Ctl([string] $Label, [string[]] $Arguments, [string] $SaveAs = '', [int] $TimeoutSeconds = $CommandTimeoutSeconds) {
    Invoke-Tool -Label $Label -FilePath $ctl -ArgumentList $Arguments -SaveAs $SaveAs -TimeoutSeconds $TimeoutSeconds
}

try {
    # Leftovers of an earlier run (one that bug-checked leaves both services installed).
    $script:Step = 'remove leftover services'
    foreach ($service in @($PeerService, $OwnerService)) {
        if (Test-ServiceExists $service) {
            Add-Warning "service $service already exists (left by an earlier run?): removing it first."
            [void] (Invoke-Ctl "uninstall leftover $service" @('--name', $service, 'uninstall', '--timeout', '120') -TimeoutSeconds 180)
        }
    }

    $script:Step = 'install and start the owner'
    [void] (Invoke-Ctl "install $OwnerService" @('--name', $OwnerService, 'install', '--sys', $ownerSys))
    $ownerInstalled = $true
    [void] (Invoke-Ctl "start $OwnerService" @('--name', $OwnerService, 'start', '--timeout', '60') -TimeoutSeconds 120)
    $ownerStarted = $true

    $script:Step = 'install and start the peer'
    [void] (Invoke-Ctl "install $PeerService" @('--name', $PeerService, 'install', '--sys', $peerSys))
    $peerInstalled = $true
    [void] (Invoke-Ctl "start $PeerService" @('--name', $PeerService, 'start', '--timeout', '60') -TimeoutSeconds 120)
    $peerStarted = $true

    # While they are loaded, verifier /query must list both: that is what shows Driver
    # Verifier is verifying them in this boot (/querysettings only shows what was asked for).
    $script:Step = 'check Driver Verifier is verifying both drivers'
    $loaded = Invoke-Tool -Label 'verifier /query (loaded)' -FilePath $Verifier -ArgumentList @('/query') -OkExitCodes $VerifierOk -SaveAs 'verifier-query-loaded.txt'
    foreach ($image in $Images) {
        if ($loaded.StdOut -notmatch [regex]::Escape($image)) {
            $why = "verifier /query does not list $image while it is loaded: Driver Verifier does not seem to verify it in this boot (see verifier-query-loaded.txt)."
            if ($SkipSettingsCheck) { Add-Warning "$why Going on because of -SkipSettingsCheck." } else { throw $why }
        }
    }
    Write-Log ("pool counters while loaded:`r`n{0}" -f (Format-Counters (Get-DriverPoolCounters $loaded.StdOut $Images)))

    # verifier /log runs until it is interrupted: started in the background, ended by its id.
    $script:Step = 'start verifier /log'
    $logPath = Join-Path $script:RunDir 'verifier-log.txt'
    $logArgs = (@('/log', $logPath, '/interval', '5') | ForEach-Object { ConvertTo-CommandLineArgument $_ }) -join ' '
    $logProcess = Start-Process -FilePath $Verifier -ArgumentList $logArgs -WindowStyle Hidden -PassThru
    $null = $logProcess.Handle  # keeps the handle, so ExitCode can be read later
    Write-Log "verifier /log started as process $($logProcess.Id)"

    $script:Step = 'peer-start'
    [void] (Invoke-Ctl 'peer-start' @('--device', $PeerDevice, 'peer-start') -SaveAs 'peer-start.txt')
    $peerActive = $true

    $script:Step = 'stress'
    $stressArgs = @('stress', '--seconds', [string] $StressSeconds, '--clients', [string] $Clients)
    if ($RotateEveryMs -gt 0) { $stressArgs += @('--rotate-every-ms', [string] $RotateEveryMs) }
    Write-Log "stress: $StressSeconds s, $Clients clients, a rotation every $RotateEveryMs ms (0: none asked for)"
    $stress = Invoke-Tool -Label 'rundown-stress stress' -FilePath $stressTool -ArgumentList $stressArgs -AnyExitCode -TimeoutSeconds ($StressSeconds + 300) -SaveAs 'stress.txt'
    $last = @(($stress.StdOut + "`n" + $stress.StdErr) -split "`r?`n" | Where-Object { $_ -match '^\s*stress:' }) | Select-Object -Last 1
    $m = if ($last) { [regex]::Match($last, '^\s*stress:\s*([0-9]+) ops, ([0-9]+) rotations, ([0-9]+) faults, ([0-9]+) lost, ([0-9]+) leaked\s*$') } else { $null }
    if ($m -and $m.Success) {
        $stressResult = [pscustomobject] @{
            Ops = [UInt64] $m.Groups[1].Value; Rotations = [UInt64] $m.Groups[2].Value
            Faults = [UInt64] $m.Groups[3].Value; Lost = [UInt64] $m.Groups[4].Value; Leaked = [UInt64] $m.Groups[5].Value
        }
        Write-Log "stress result: $($last.Trim())"
    }
    if ($stress.ExitCode -ne 0) { throw "rundown-stress stress exited with $($stress.ExitCode): $($last)" }
    if (-not $stressResult) { throw 'rundown-stress stress printed no final "stress: ..." line (see stress.txt).' }
    if ($stressResult.Faults -ne 0 -or $stressResult.Lost -ne 0 -or $stressResult.Leaked -ne 0) {
        throw "stress reported $($stressResult.Faults) faults, $($stressResult.Lost) lost, $($stressResult.Leaked) leaked."
    }
    if ($stressResult.Ops -eq 0) { throw 'stress did no operations.' }
    if ($RotateEveryMs -gt 0 -and $stressResult.Rotations -eq 0) { throw 'stress asked for rotations and did none.' }

    # The classes of defect issue 8 fixed, each driven on purpose (the stress above would most
    # likely pass without reaching them).

    # 1. Overlapped clients whose CLEANUP races their own requests: several threads on one
    #    overlapped handle, and the process killed mid-request.
    $script:Step = 'overlapped churn, killed mid-request'
    for ($round = 1; $round -le $ChurnRounds; $round++) {
        $churners = @(1..2 | ForEach-Object {
            Start-Process -FilePath $stressTool -ArgumentList @('--overlapped', 'churn', '--seconds', '30', '--threads', '8') -WindowStyle Hidden -PassThru
        })
        Start-Sleep -Milliseconds 1500
        $churners | ForEach-Object { Stop-Process -Id $_.Id -Force -ErrorAction SilentlyContinue }
        $churners | ForEach-Object { [void] $_.WaitForExit(30000) }
    }
    $after = Invoke-Ctl 'query after churn' @('query') -SaveAs 'query-after-churn.txt'
    if ($after.StdOut -notmatch '(?m)^\s*holders\s+0\s*$') { throw 'holders left after the killed overlapped clients (see query-after-churn.txt).' }

    # 2. A process killed while its ROTATE is pending: its thread's exit cancels the IRP (the
    #    cancel routine completes it STATUS_CANCELLED); the run-down finishes once the holder
    #    lets go, and the next ROTATE works.
    $script:Step = 'a process killed while its ROTATE is pending'
    $holder = Start-Process -FilePath $ctl -ArgumentList @('hold', '--seconds', '6') -WindowStyle Hidden -PassThru
    Start-Sleep -Milliseconds 1000
    $rotator = Start-Process -FilePath $ctl -ArgumentList @('rotate') -WindowStyle Hidden -PassThru
    Start-Sleep -Milliseconds 1000
    Stop-Process -Id $rotator.Id -Force
    if (-not $rotator.WaitForExit(30000)) { throw 'the process whose ROTATE was pending did not exit within 30 s: its IRP was not cancelled.' }
    if (-not $holder.WaitForExit(60000)) { throw 'the holder did not end.' }
    [void] (Invoke-Ctl 'rotate after the cancelled one' @('rotate') -SaveAs 'rotate-after-cancel.txt' -TimeoutSeconds 120)

    # 3. The peer calling the interface at DISPATCH_LEVEL, from a timer DPC, under load.
    $script:Step = 'the peer at DISPATCH_LEVEL under stress'
    [void] (Invoke-Ctl 'peer-stop (thread mode)' @('--device', $PeerDevice, 'peer-stop') -SaveAs 'peer-stop-thread.txt')
    $peerActive = $false
    [void] (Invoke-Ctl 'peer-start --dispatch' @('--device', $PeerDevice, 'peer-start', '--dispatch', '--pause-us', '1000') -SaveAs 'peer-start-dispatch.txt')
    $peerActive = $true
    $dpcStress = Invoke-Tool -Label 'rundown-stress stress (DPC peer)' -FilePath $stressTool -ArgumentList @('stress', '--seconds', [string] $DispatchStressSeconds, '--clients', [string] $Clients, '--rotate-every-ms', '20') -AnyExitCode -TimeoutSeconds ($DispatchStressSeconds + 300) -SaveAs 'stress-dispatch-peer.txt'
    if ($dpcStress.ExitCode -ne 0) { throw "rundown-stress stress with the DPC peer exited with $($dpcStress.ExitCode) (see stress-dispatch-peer.txt)." }
} catch {
    Add-Failure ("step '{0}': {1}" -f $script:Step, $_.Exception.Message)
}

# ------------------------------------------------------------------------------- teardown
# Runs whatever happened above; every step is checked and a failure is recorded, not hidden.

function Invoke-Teardown([string] $Step, [scriptblock] $Action) {
    $script:Step = $Step
    try { & $Action } catch { Add-Failure ("teardown step '{0}': {1}" -f $Step, $_.Exception.Message) }
}

if ($peerActive) {
    Invoke-Teardown 'peer-stop' { [void] (Invoke-Ctl 'peer-stop' @('--device', $PeerDevice, 'peer-stop') -SaveAs 'peer-stop.txt') }
}
if ($peerStarted) {
    Invoke-Teardown 'peer-stats' { [void] (Invoke-Ctl 'peer-stats' @('--device', $PeerDevice, 'peer-stats') -SaveAs 'peer-stats.txt') }
}
if ($ownerStarted) {
    Invoke-Teardown 'owner stats' {
        $stats = Invoke-Ctl 'stats' @('stats') -SaveAs 'owner-stats.txt'
        $h = [regex]::Match($stats.StdOut, '(?m)^\s*holders\s+([0-9]+)\s*$')
        if (-not $h.Success) {
            Add-Warning 'could not read "holders" in rundownctl stats (see owner-stats.txt).'
        } elseif ([int] $h.Groups[1].Value -ne 0) {
            Add-Failure ("{0} holders remain after the stress and peer-stop (see owner-stats.txt)." -f $h.Groups[1].Value)
        }
    }
}
if ($logProcess) {
    Invoke-Teardown 'stop verifier /log' {
        if ($logProcess.HasExited) {
            Add-Warning "verifier /log ended early with exit code $($logProcess.ExitCode); verifier-log.txt may be short."
        } else {
            Stop-Process -Id $logProcess.Id -Force
            [void] $logProcess.WaitForExit(10000)
        }
    }
}
# The peer first: the owner's unload waits until every peer has dropped its interface.
if ($peerStarted) {
    Invoke-Teardown "stop $PeerService" { [void] (Invoke-Ctl "stop $PeerService" @('--name', $PeerService, 'stop', '--timeout', '120') -TimeoutSeconds 180); $script:peerStopped = $true }
}
if ($ownerStarted) {
    Invoke-Teardown "stop $OwnerService" { [void] (Invoke-Ctl "stop $OwnerService" @('--name', $OwnerService, 'stop', '--timeout', '120') -TimeoutSeconds 180); $script:ownerStopped = $true }
}

# 4. Peer-stop and owner-stop cycles, both orders, each unload under pool tracking (a leak
#    bug-checks 0xC4 at the unload) and with the I/O manager deferring the owner's unload while
#    the peer keeps its file object.
if ($ownerStopped -and $peerStopped -and $Cycles -gt 0) {
    Invoke-Teardown 'peer-stop/owner-stop cycles' {
        [void] (Invoke-Tool -Label 'cycles (peer first)' -FilePath $stressTool -ArgumentList @('--name', $OwnerService, 'cycles', '--count', [string] $Cycles, '--peer-name', $PeerService) -SaveAs 'cycles-peer-first.txt' -TimeoutSeconds (60 * $Cycles + 120))
        [void] (Invoke-Tool -Label 'cycles (owner first)' -FilePath $stressTool -ArgumentList @('--name', $OwnerService, 'cycles', '--count', [string] $Cycles, '--peer-name', $PeerService, '--owner-first') -SaveAs 'cycles-owner-first.txt' -TimeoutSeconds (60 * $Cycles + 120))
    }
}

# After unload, pool tracking must show no allocation left (an unload that leaked would have
# bug-checked with 0xC4, parameter 1 = 0x62, before this point).
$unloadCounters = $null
if ($ownerStarted -and $ownerStopped -and ((-not $peerStarted) -or $peerStopped)) {
    Invoke-Teardown 'verifier /query after unload' {
        $after = Invoke-Tool -Label 'verifier /query (unloaded)' -FilePath $Verifier -ArgumentList @('/query') -OkExitCodes $VerifierOk -SaveAs 'verifier-query-unloaded.txt'
        $script:unloadCounters = Get-DriverPoolCounters $after.StdOut $Images
        Write-Log ("pool counters after unload:`r`n{0}" -f (Format-Counters $script:unloadCounters))
        foreach ($image in $Images) {
            $c = $script:unloadCounters[$image]
            if ($image -eq $PeerImage -and -not $peerStarted) { continue }
            if (-not $c.Found -or $null -eq $c.CurrentAllocations) {
                Add-Warning "verifier /query shows no pool counters for $image after unload (format unknown to this script?): check verifier-query-unloaded.txt by eye."
                continue
            }
            if ($c.CurrentAllocations -ne 0 -or ($null -ne $c.CurrentBytes -and $c.CurrentBytes -ne 0)) {
                Add-Failure ("{0} still has {1} pool allocations ({2} bytes) after unload." -f $image, $c.CurrentAllocations, $c.CurrentBytes)
            }
        }
        $ok = [regex]::Match($after.StdOut, '\bAllocationsSucceeded:\s*(\S+)')
        $special = [regex]::Match($after.StdOut, '\bAllocationsSucceededSpecialPool:\s*(\S+)')
        if ($ok.Success -and $special.Success) {
            $okN = ConvertFrom-VerifierNumber $ok.Groups[1].Value
            $spN = ConvertFrom-VerifierNumber $special.Groups[1].Value
            if ($null -ne $okN -and $null -ne $spN -and $spN -lt $okN) {
                Add-Warning "only $spN of $okN allocations came from special pool (special pool ran out at least once)."
            }
        }
    }
}

if ($peerInstalled) {
    Invoke-Teardown "uninstall $PeerService" { [void] (Invoke-Ctl "uninstall $PeerService" @('--name', $PeerService, 'uninstall', '--timeout', '60') -TimeoutSeconds 120) }
}
if ($ownerInstalled) {
    Invoke-Teardown "uninstall $OwnerService" { [void] (Invoke-Ctl "uninstall $OwnerService" @('--name', $OwnerService, 'uninstall', '--timeout', '60') -TimeoutSeconds 120) }
}

# System events of the run: the services' own, errors, and any crash record.
Invoke-Teardown 'collect System events' {
    $events = @(Get-SystemEvents @{ LogName = 'System'; StartTime = $runStart })
    $ours = @($events | Where-Object { $_.Message -and $_.Message -match 'RundownShared|RundownPeer|rundown_driver|rundown_peer' })
    $errors = @($events | Where-Object { $_.Level -ge 1 -and $_.Level -le 2 })
    $text = "== events naming the services or images ==`r`n" + (Format-Events $ours) +
            "`r`n== all critical and error events since the run started ==`r`n" + (Format-Events $errors)
    [void] (Save-Text $script:RunDir 'system-events.txt' $text)
    $oursBad = @($ours | Where-Object { $_.Level -ge 1 -and $_.Level -le 2 })
    if ($oursBad.Count -gt 0) { Add-Failure ("{0} error events name the services or images (see system-events.txt)." -f $oursBad.Count) }
    if ($errors.Count -gt $oursBad.Count) { Add-Warning ("{0} other error events in the System log during the run (see system-events.txt)." -f ($errors.Count - $oursBad.Count)) }
}

if (Test-Path -LiteralPath $MarkerFile) { Remove-Item -LiteralPath $MarkerFile }

# ------------------------------------------------------------------------------- verdict

# INCONCLUSIVE: nothing failed, but the stress result or the after-unload query is missing.
$verdict = if ($script:Failures.Count -gt 0) { 'FAIL' } elseif ((-not $stressResult) -or (-not $unloadCounters)) { 'INCONCLUSIVE' } else { 'PASS' }
$summary = @("VERDICT: $verdict", "rule classes: $($classes -join ' ') ($($state.ruleSet))", "Windows: $($os.Caption) build $build")
if ($stressResult) {
    $summary += ('stress: {0} ops, {1} rotations, {2} faults, {3} lost, {4} leaked' -f $stressResult.Ops, $stressResult.Rotations, $stressResult.Faults, $stressResult.Lost, $stressResult.Leaked)
}
if ($unloadCounters) { $summary += 'pool after unload:'; $summary += (Format-Counters $unloadCounters) }
foreach ($f in $script:Failures) { $summary += "failure: $f" }
foreach ($w in $script:Warnings) { $summary += "warning: $w" }
$summary += "evidence: $($script:RunDir)"
[void] (Save-Text $script:RunDir 'verdict.txt' ($summary -join "`r`n"))
Write-Host ''
$color = switch ($verdict) {
    'PASS' { 'Green' }
    'FAIL' { 'Red' }
    default { 'Yellow' }
}
$summary | ForEach-Object { Write-Host $_ -ForegroundColor $color }
switch ($verdict) {
    'PASS' { exit 0 }
    'FAIL' { exit 1 }
    default { exit 3 }
}
