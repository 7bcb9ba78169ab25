/**
 * Tiles (C2SP tlog-tiles): the stored hashes grouped for files and HTTP. A tile at tile
 * level L, index N holds up to 2^H consecutive hashes of tree level L·H, starting at hash
 * N·2^H of that level; its W ≤ 2^H hashes are stored back to back (W·32 bytes). The
 * hashes of the H - 1 levels above are not stored: they are recomputed from the tile
 * (at most 2^H - 1 node hashes), so a store keeps only the tile data and any stored hash
 * is one tile read away. C2SP fixes H = 8 (256 hashes, 8 KiB per full tile).
 */
import { LedgerError } from './errors.js';
import { HASH_SIZE, hashChildren } from './hash.js';
import { splitStoredHashIndex } from './tree.js';

/** The tile height of C2SP tlog-tiles. */
export const TILE_HEIGHT = 8;

export interface Tile {
  /** Tree levels per tile. */
  height: number;
  /** The tile level: the tile's bottom row is tree level level·height. */
  level: number;
  /** The tile's index within its tile level. */
  n: number;
  /** Hashes in the tile, 1..2^height (2^height: a full tile). */
  width: number;
}

function locate(index: number, height: number): { tile: Tile; start: number; end: number } {
  if (!Number.isSafeInteger(height) || height < 1 || height > 30) throw new LedgerError('BAD_TILE', `tile height ${height} is not an integer in [1, 30]`);
  const split = splitStoredHashIndex(index);
  const tileLevel = Math.floor(split.level / height);
  const sub = split.level - tileLevel * height; // the level within the tile
  const tileN = Math.floor((split.n * 2 ** sub) / 2 ** height);
  const within = split.n - tileN * 2 ** (height - sub); // n within the tile, at level sub
  const start = within * 2 ** sub;
  const end = (within + 1) * 2 ** sub;
  return { tile: { height, level: tileLevel, n: tileN, width: end }, start, end };
}

/**
 * The smallest tile that holds (or lets one compute) the stored hash at `index`: reading
 * that tile, or any wider tile of the same level and n, gives the hash via hashFromTile.
 */
export function tileForStoredHash(index: number, height = TILE_HEIGHT): Tile {
  return locate(index, height).tile;
}

/**
 * The stored hash at `index` from the data of `tile` (width·32 bytes), which must be
 * tileForStoredHash(index, tile.height) or a wider tile at the same place. Costs up to
 * 2^(level within the tile) - 1 node hashes.
 */
export function hashFromTile(tile: Tile, data: Uint8Array, index: number): Uint8Array {
  const want = locate(index, tile.height);
  if (tile.level !== want.tile.level || tile.n !== want.tile.n || tile.width < want.tile.width) {
    throw new LedgerError('BAD_TILE', `stored hash ${index} is not in tile ${tilePath(tile)}`);
  }
  if (data.length !== tile.width * HASH_SIZE) {
    throw new LedgerError('BAD_TILE', `tile ${tilePath(tile)} must hold ${tile.width * HASH_SIZE} bytes, got ${data.length}`);
  }
  return subtreeOf(data, want.start, want.end);
}

function subtreeOf(data: Uint8Array, start: number, end: number): Uint8Array {
  if (end - start === 1) return new Uint8Array(data.subarray(start * HASH_SIZE, end * HASH_SIZE)); // a copy, even of a Buffer
  const mid = start + (end - start) / 2;
  return hashChildren(subtreeOf(data, start, mid), subtreeOf(data, mid, end));
}

/**
 * The C2SP tlog-tiles path of a tile: `tile/<L>/<N>` with N in 3-digit groups, all but the
 * last prefixed with `x` (1234067 → x001/x234/067), and `.p/<W>` for a partial tile.
 * Only height-8 tiles have C2SP paths.
 */
export function tilePath(tile: Tile): string {
  if (tile.height !== TILE_HEIGHT) throw new LedgerError('BAD_TILE', `C2SP tile paths exist for height ${TILE_HEIGHT} only, not ${tile.height}`);
  const full = 2 ** tile.height;
  if (!Number.isSafeInteger(tile.level) || tile.level < 0 || !Number.isSafeInteger(tile.n) || tile.n < 0 || !Number.isSafeInteger(tile.width) || tile.width < 1 || tile.width > full) {
    throw new LedgerError('BAD_TILE', `not a tile: level ${tile.level}, n ${tile.n}, width ${tile.width}`);
  }
  let n = tile.n;
  let path = String(n % 1000).padStart(3, '0');
  for (n = Math.floor(n / 1000); n > 0; n = Math.floor(n / 1000)) path = `x${String(n % 1000).padStart(3, '0')}/${path}`;
  return `tile/${tile.level}/${path}${tile.width < full ? `.p/${tile.width}` : ''}`;
}
