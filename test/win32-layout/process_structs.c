/* Layout proof for the Win32 structures capture/windows/process-structs.ts declares to koffi, against mingw-w64's
 * own headers (tlhelp32.h, winnt.h): this file compiles only when every number below is what those headers give.
 * test/capture-windows-process-layout.test.ts reads the same numbers from here, asserts koffi's layout against them,
 * and compiles this file when x86_64-w64-mingw32-gcc is installed (apt: gcc-mingw-w64-x86-64):
 *   x86_64-w64-mingw32-gcc -fsyntax-only test/win32-layout/process_structs.c        (x64)
 *   x86_64-w64-mingw32-gcc -m32 -fsyntax-only test/win32-layout/process_structs.c   (x86)
 * Provenance: the numbers were first read from x86_64-w64-mingw32-gcc 12 (Debian) with `-S` on declarations
 * `char x[offsetof(T, f) + 1];` (the .space sizes), on 2026-11-25; they also follow by hand from the MSDN
 * definitions (DWORD 4, ULONG_PTR pointer-sized and aligned, WCHAR 2). Windows arm64 has the x64 data model.
 * One SIZE/OFFSET per line: the test parses them. */
#include <stddef.h>
#include <windows.h>
#include <tlhelp32.h>

#ifdef _WIN64
#define ARCH_x64 1
#define ARCH_x86 0
#else
#define ARCH_x64 0
#define ARCH_x86 1
#endif
#define SIZE(a, T, v) _Static_assert(!ARCH_##a || sizeof(T) == (v), #a " sizeof " #T)
#define OFFSET(a, T, f, v) _Static_assert(!ARCH_##a || offsetof(T, f) == (v), #a " " #T "." #f)

SIZE(x64, PROCESSENTRY32W, 568);
OFFSET(x64, PROCESSENTRY32W, dwSize, 0);
OFFSET(x64, PROCESSENTRY32W, cntUsage, 4);
OFFSET(x64, PROCESSENTRY32W, th32ProcessID, 8);
OFFSET(x64, PROCESSENTRY32W, th32DefaultHeapID, 16);
OFFSET(x64, PROCESSENTRY32W, th32ModuleID, 24);
OFFSET(x64, PROCESSENTRY32W, cntThreads, 28);
OFFSET(x64, PROCESSENTRY32W, th32ParentProcessID, 32);
OFFSET(x64, PROCESSENTRY32W, pcPriClassBase, 36);
OFFSET(x64, PROCESSENTRY32W, dwFlags, 40);
OFFSET(x64, PROCESSENTRY32W, szExeFile, 44);
SIZE(x64, RTL_OSVERSIONINFOW, 276);
OFFSET(x64, RTL_OSVERSIONINFOW, dwOSVersionInfoSize, 0);
OFFSET(x64, RTL_OSVERSIONINFOW, dwMajorVersion, 4);
OFFSET(x64, RTL_OSVERSIONINFOW, dwMinorVersion, 8);
OFFSET(x64, RTL_OSVERSIONINFOW, dwBuildNumber, 12);
OFFSET(x64, RTL_OSVERSIONINFOW, dwPlatformId, 16);
OFFSET(x64, RTL_OSVERSIONINFOW, szCSDVersion, 20);

SIZE(x86, PROCESSENTRY32W, 556);
OFFSET(x86, PROCESSENTRY32W, dwSize, 0);
OFFSET(x86, PROCESSENTRY32W, cntUsage, 4);
OFFSET(x86, PROCESSENTRY32W, th32ProcessID, 8);
OFFSET(x86, PROCESSENTRY32W, th32DefaultHeapID, 12);
OFFSET(x86, PROCESSENTRY32W, th32ModuleID, 16);
OFFSET(x86, PROCESSENTRY32W, cntThreads, 20);
OFFSET(x86, PROCESSENTRY32W, th32ParentProcessID, 24);
OFFSET(x86, PROCESSENTRY32W, pcPriClassBase, 28);
OFFSET(x86, PROCESSENTRY32W, dwFlags, 32);
OFFSET(x86, PROCESSENTRY32W, szExeFile, 36);
SIZE(x86, RTL_OSVERSIONINFOW, 276);
OFFSET(x86, RTL_OSVERSIONINFOW, dwOSVersionInfoSize, 0);
OFFSET(x86, RTL_OSVERSIONINFOW, dwMajorVersion, 4);
OFFSET(x86, RTL_OSVERSIONINFOW, dwMinorVersion, 8);
OFFSET(x86, RTL_OSVERSIONINFOW, dwBuildNumber, 12);
OFFSET(x86, RTL_OSVERSIONINFOW, dwPlatformId, 16);
OFFSET(x86, RTL_OSVERSIONINFOW, szCSDVersion, 20);
