# Tenni's bfloat16 convolution tile (src/Tenni/Onnx/Blocked/Bf16Convolution.cs), for x86-64 with
# AVX512_BF16. .NET 10 has no intrinsic for VDPBF16PS, the instruction that makes bfloat16 twice as fast
# as float32 on such CPUs, so this loop is kept here as assembly; `native/build-bf16-tile.sh` assembles
# it into the bytes of Bf16TileCode.g.cs, which Tenni maps as executable memory at run time.
#
# The loop is DirectConvolution.TwoRowTile's, two input channels a step: 7 output pixels in each of two
# rows, 32 output channels, 28 float32 sums in zmm0-27 (row 0: zmm0-6 channels 0-15, zmm7-13 channels
# 16-31; row 1: zmm14-20, zmm21-27). Each step loads one packed weight pair block (128 bytes: two input
# channels × 32 output channels, channel pairs interleaved as VDPBF16PS reads them), broadcasts one
# bfloat16 pair of each of the 14 input pixels, and issues 28 VDPBF16PS (32 multiply-adds each).
#
# void tile(const Args* args /* rdi */, float* sums /* rsi: 28 × 16 floats, read and written */)
# Args: 0 origin (bytes: input pair 0 of row 0's first pixel, block 0, kernel row 0)
#       8 weights   16 rowDistance (bytes to row 1's input)   24 planeStride (bytes between input blocks)
#       32 rowStride   40 rowLength (bytes of one kernel row: kernel width × 32)   48 blocks (int32)
#       52 kernelHeight (int32)
# One entry point per distance between neighbouring output pixels' inputs, so that every load's offset is
# a constant of the instruction: 32 and 64 bytes (16-channel blocks at stride 1 and 2), 2 and 4 bytes
# (single-channel planes at stride 1 and 2: an RGB stem, whose pairs are two neighbouring pixels).

        .intel_syntax noprefix
        .text

.macro PIXEL a, b, offset
        vpbroadcastd zmm30, dword ptr [r11 + \offset]
        vdpbf16ps zmm\a, zmm28, zmm30
        vdpbf16ps zmm\b, zmm29, zmm30
.endm

.macro PIXEL2 a, b, offset
        vpbroadcastd zmm30, dword ptr [r11 + r12 + \offset]
        vdpbf16ps zmm\a, zmm28, zmm30
        vdpbf16ps zmm\b, zmm29, zmm30
.endm

.macro SUMS op
        .irp k, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27
        \op \k
        .endr
.endm

.macro LOAD k
        vmovups zmm\k, zmmword ptr [rsi + \k * 64]
.endm

.macro STORE k
        vmovups zmmword ptr [rsi + \k * 64], zmm\k
.endm

.macro TILE name, step
        .globl \name
\name:
        push r12
        mov r8, qword ptr [rdi]
        mov r9, qword ptr [rdi + 8]
        mov r12, qword ptr [rdi + 16]
        mov ecx, dword ptr [rdi + 48]
        SUMS LOAD
1:      mov r10, r8
        mov edx, dword ptr [rdi + 52]
2:      mov r11, r10
        mov rax, r10
        add rax, qword ptr [rdi + 40]
3:      vmovups zmm28, zmmword ptr [r9]
        vmovups zmm29, zmmword ptr [r9 + 64]
        PIXEL 0, 7, 0
        PIXEL 1, 8, \step
        PIXEL 2, 9, (2*\step)
        PIXEL 3, 10, (3*\step)
        PIXEL 4, 11, (4*\step)
        PIXEL 5, 12, (5*\step)
        PIXEL 6, 13, (6*\step)
        PIXEL2 14, 21, 0
        PIXEL2 15, 22, \step
        PIXEL2 16, 23, (2*\step)
        PIXEL2 17, 24, (3*\step)
        PIXEL2 18, 25, (4*\step)
        PIXEL2 19, 26, (5*\step)
        PIXEL2 20, 27, (6*\step)
        add r11, 4
        add r9, 128
        cmp r11, rax
        jb 3b
        add r10, qword ptr [rdi + 32]
        dec edx
        jnz 2b
        add r8, qword ptr [rdi + 24]
        dec ecx
        jnz 1b
        SUMS STORE
        pop r12
        vzeroupper
        ret
.endm

        TILE tenni_bf16_tile_step32, 32
        .balign 64
        TILE tenni_bf16_tile_step64, 64
        .balign 64
        TILE tenni_bf16_tile_step2, 2
        .balign 64
        TILE tenni_bf16_tile_step4, 4
