/**
 * The program inside Berth's pause image: it holds an awsvpc task's network namespace and does
 * nothing else. It installs a SIGTERM/SIGINT handler that exits 0 (as PID 1 it would otherwise
 * ignore SIGTERM and `docker stop` would wait for its timeout), then sleeps in pause()/ppoll()
 * forever.
 *
 * Why hand-written machine code: no image can be pulled (so no k8s pause image, no busybox), no
 * C toolchain may be assumed on the host, and Berth must ship everything it runs. A static ELF
 * of a few dozen instructions, written out here byte by byte, is the smallest thing that
 * needs nothing: no libc, no loader, no dynamic linking. Each instruction is listed with its
 * assembly so the bytes can be checked (`llvm-objdump -d` on the output disassembles them).
 */

export type PauseArch = "x86_64" | "aarch64";

const BASE = 0x400000;
const HEADERS = 64 + 56; // ELF header + one program header

/** x86_64: position-independent code (the handler address is taken RIP-relative). */
function x86_64(): Buffer {
  // Syscall numbers (x86_64): rt_sigaction 13, pause 34, exit_group 231. SA_RESTORER 0x04000000:
  // the kernel requires a restorer on x86_64; the handler never returns, so it is the handler.
  const code: number[] = [];
  const emit = (...bytes: number[]) => code.push(...bytes);
  const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  // lea rax, [rip + onSignal]           (displacement patched below)
  emit(0x48, 0x8d, 0x05, 0, 0, 0, 0);
  const leaEnd = code.length;
  emit(0x6a, 0x00); //                       push 0               ; sa_mask
  emit(0x50); //                             push rax             ; sa_restorer
  emit(0x68, ...le32(0x04000000)); //        push SA_RESTORER     ; sa_flags
  emit(0x50); //                             push rax             ; sa_handler
  emit(0x48, 0x89, 0xe6); //                 mov rsi, rsp         ; act
  emit(0x31, 0xd2); //                       xor edx, edx         ; oldact = NULL
  emit(0x41, 0xba, ...le32(8)); //           mov r10d, 8          ; sizeof(sigset_t)
  emit(0xbf, ...le32(15)); //                mov edi, SIGTERM
  emit(0xb8, ...le32(13)); //                mov eax, rt_sigaction
  emit(0x0f, 0x05); //                       syscall
  emit(0xbf, ...le32(2)); //                 mov edi, SIGINT
  emit(0xb8, ...le32(13)); //                mov eax, rt_sigaction
  emit(0x0f, 0x05); //                       syscall              ; rsi, rdx, r10 survive syscall
  const loop = code.length;
  emit(0xb8, ...le32(34)); //                loop: mov eax, pause
  emit(0x0f, 0x05); //                       syscall
  emit(0xeb, (loop - (code.length + 2)) & 0xff); // jmp loop
  const onSignal = code.length;
  emit(0x31, 0xff); //                       onSignal: xor edi, edi
  emit(0xb8, ...le32(231)); //               mov eax, exit_group
  emit(0x0f, 0x05); //                       syscall
  const out = Buffer.from(code);
  out.writeInt32LE(onSignal - leaEnd, 3);
  return out;
}

/** aarch64: fixed-width instructions, little-endian words. */
function aarch64(): Buffer {
  // Syscall numbers (generic table): rt_sigaction 134, ppoll 73, exit_group 94. aarch64 has no
  // pause(); ppoll with no descriptors and no timeout sleeps until a signal, as pause() does.
  const words: number[] = [];
  const movz = (rd: number, imm: number) => 0xd2800000 | (imm << 5) | rd; // mov xRd, #imm
  const svc0 = 0xd4000001; //                                              svc #0
  const adrAt = words.length;
  words.push(0); //                                     adr x9, onSignal (patched below)
  words.push(0xd10083ff); //                            sub sp, sp, #32
  words.push(0xf90003e9); //                            str x9, [sp]       ; sa_handler
  words.push(0xf90007ff); //                            str xzr, [sp, #8]  ; sa_flags
  words.push(0xf9000bff); //                            str xzr, [sp, #16] ; sa_restorer
  words.push(0xf9000fff); //                            str xzr, [sp, #24] ; sa_mask
  words.push(0x910003e1); //                            mov x1, sp         ; act
  words.push(movz(2, 0)); //                            mov x2, #0         ; oldact
  words.push(movz(3, 8)); //                            mov x3, #8         ; sizeof(sigset_t)
  words.push(movz(8, 134)); //                          mov x8, #rt_sigaction
  words.push(movz(0, 15)); //                           mov x0, #SIGTERM
  words.push(svc0);
  words.push(movz(0, 2)); //                            mov x0, #SIGINT   ; x1..x8 survive svc
  words.push(svc0);
  const loop = words.length;
  words.push(movz(0, 0)); //                            loop: mov x0, #0  ; fds
  words.push(movz(1, 0)); //                            mov x1, #0        ; nfds
  words.push(movz(2, 0)); //                            mov x2, #0        ; timeout = NULL
  words.push(movz(3, 0)); //                            mov x3, #0        ; sigmask = NULL
  words.push(movz(8, 73)); //                           mov x8, #ppoll
  words.push(svc0);
  words.push(0x14000000 | ((loop - words.length) & 0x3ffffff)); // b loop
  const onSignal = words.length;
  words.push(movz(0, 0)); //                            onSignal: mov x0, #0
  words.push(movz(8, 94)); //                           mov x8, #exit_group
  words.push(svc0);
  const offset = (onSignal - adrAt) * 4; // adr: immlo = bits 0-1, immhi = bits 2-20
  words[adrAt] = (0x10000000 | ((offset & 3) << 29) | (((offset >> 2) & 0x7ffff) << 5) | 9) >>> 0;
  const out = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => out.writeUInt32LE(w >>> 0, i * 4));
  return out;
}

/** A complete static ELF64 executable: one PT_LOAD segment mapping the whole file, read+execute. */
export function pauseElf(arch: PauseArch): Buffer {
  const code = arch === "x86_64" ? x86_64() : aarch64();
  const size = HEADERS + code.length;
  const h = Buffer.alloc(HEADERS);
  h.write("\x7fELF", 0, "latin1");
  h[4] = 2; // ELFCLASS64
  h[5] = 1; // little-endian
  h[6] = 1; // EV_CURRENT
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(arch === "x86_64" ? 62 : 183, 18); // EM_X86_64 / EM_AARCH64
  h.writeUInt32LE(1, 20); // e_version
  h.writeBigUInt64LE(BigInt(BASE + HEADERS), 24); // e_entry: the code right after the headers
  h.writeBigUInt64LE(64n, 32); // e_phoff
  h.writeBigUInt64LE(0n, 40); // e_shoff: no sections
  h.writeUInt32LE(0, 48); // e_flags
  h.writeUInt16LE(64, 52); // e_ehsize
  h.writeUInt16LE(56, 54); // e_phentsize
  h.writeUInt16LE(1, 56); // e_phnum
  h.writeUInt16LE(64, 58); // e_shentsize
  h.writeUInt16LE(0, 60); // e_shnum
  h.writeUInt16LE(0, 62); // e_shstrndx
  // Program header: PT_LOAD, PF_R | PF_X, offset 0 at BASE.
  h.writeUInt32LE(1, 64);
  h.writeUInt32LE(5, 68);
  h.writeBigUInt64LE(0n, 72); // p_offset
  h.writeBigUInt64LE(BigInt(BASE), 80); // p_vaddr
  h.writeBigUInt64LE(BigInt(BASE), 88); // p_paddr
  h.writeBigUInt64LE(BigInt(size), 96); // p_filesz
  h.writeBigUInt64LE(BigInt(size), 104); // p_memsz
  h.writeBigUInt64LE(0x10000n, 112); // p_align: 64 KiB suits 4K, 16K and 64K page kernels
  return Buffer.concat([h, code]);
}

/** Maps the engine's `docker info` Architecture to a variant, or undefined if Berth has none. */
export function pauseArch(engineArchitecture: string): PauseArch | undefined {
  if (engineArchitecture === "x86_64" || engineArchitecture === "amd64") return "x86_64";
  if (engineArchitecture === "aarch64" || engineArchitecture === "arm64") return "aarch64";
  return undefined;
}
