/* An ICU data library without data, to stand in for Qt's libicudata on Linux.
 *
 * Qt's libicuuc links against libicudata, a 31 MB library holding nothing but ICU's
 * data: collation, legacy-charset and calendar tables for every language. SyncDesk uses
 * none of it (its strings are sorted and compared by Qt's own code, its text is UTF-8),
 * so the bundle carries this stub instead: the same symbol, a common-data header with
 * an empty table of contents. ICU then reports "no data" to the few calls that would
 * read it, and Qt falls back to its own code for each. build/bundle_config.py compiles
 * it with -DICU_DATA_SYMBOL=icudt<major>_dat for the ICU version Qt was built with.
 */
#include <stdint.h>

#ifndef ICU_DATA_SYMBOL
#error "compile with -DICU_DATA_SYMBOL=icudtNN_dat"
#endif

struct data_info {            /* ICU's UDataInfo: 20 bytes */
    uint16_t size, reserved;
    uint8_t is_big_endian, charset_family, sizeof_uchar, reserved_byte;
    uint8_t data_format[4], format_version[4], data_version[4];
};

struct common_data {          /* a data header followed by an empty table of contents */
    uint16_t header_size;
    uint8_t magic1, magic2;
    struct data_info info;
    char padding[8];
    uint32_t count, reserved;
    uint32_t entries[4];
} __attribute__((aligned(16)));

__attribute__((visibility("default")))
const struct common_data ICU_DATA_SYMBOL = {
    32, 0xda, 0x27,
    {sizeof(struct data_info), 0,
     __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__, 0 /* ASCII family */, 2, 0,
     {'C', 'm', 'n', 'D'}, {1, 0, 0, 0}, {0, 0, 0, 0}},
    {0}, 0, 0, {0, 0, 0, 0}};
