/*
 * Cryptocurrency miners dropped on compromised hosts, and their configurations. Facts: XMRig's
 * public source and documentation (config keys, command-line options), the Stratum mining
 * protocol's URL schemes.
 */

rule TK_Miner_XMRig
{
    meta:
        description = "XMRig Monero miner (binary)"
        author = "tenken"
        reference = "https://github.com/xmrig/xmrig"
        score = 75
    strings:
        $n = "xmrig" ascii nocase
        $o1 = "--donate-level" ascii
        $o2 = "--cpu-max-threads-hint" ascii
        $o3 = "randomx" ascii nocase
        $o4 = "cryptonight" ascii nocase
        $o5 = "stratum+tcp://" ascii
    condition:
        (uint32(0) == 0x464C457F or uint16(0) == 0x5A4D) and $n and 3 of ($o*)
}

rule TK_Miner_Config
{
    meta:
        description = "Miner configuration naming a pool and a wallet"
        author = "tenken"
        reference = "https://xmrig.com/docs/miner/config"
        score = 65
    strings:
        $pool = /"url"\s*:\s*"(stratum\+(tcp|ssl):\/\/)?[a-z0-9.-]{3,64}:\d{2,5}"/ nocase
        $user = /"user"\s*:\s*"[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}/
        $algo = /"(algo|coin)"\s*:\s*"(rx\/0|cn\/r|monero|xmr)"/ nocase
    condition:
        filesize < 256KB and $pool and ($user or $algo)
}

rule TK_Miner_Stratum_Command_Line
{
    meta:
        description = "Script starting a miner with a Stratum pool and a wallet address"
        author = "tenken"
        reference = "https://github.com/xmrig/xmrig/blob/master/doc/CPU.md"
        score = 70
    strings:
        $url = /stratum\+(tcp|ssl):\/\/[a-z0-9.-]{3,64}:\d{2,5}/ nocase
        $wallet = /\s-u\s+["']?[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}/
    condition:
        filesize < 1MB and $url and $wallet
}
